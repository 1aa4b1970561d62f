"""Schemathesis hooks for the fuzz drill (loaded by the CLI through SCHEMATHESIS_HOOKS).

Credentials per path as the document's security schemes say; and, for schema-valid
requests only, real values for the few rules the document can state only in words
(a session's time relative to now, the protocol's areas and add-ons)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import requests
import schemathesis
from schemathesis import GenerationMode

BASE_URL = os.environ.get("FUZZ_BASE_URL", "")
CLINIC_KEY = os.environ.get("FUZZ_CLINIC_KEY", "")
PATIENT_TOKEN = os.environ.get("FUZZ_PATIENT_TOKEN", "")
PATIENT_ID = os.environ.get("FUZZ_PATIENT_ID", "")
OWN_KEY_ID = os.environ.get("FUZZ_OWN_KEY_ID", "")
SPARE_KEY_ID = os.environ.get("FUZZ_SPARE_KEY_ID", "")
SPARE_PATIENT_ID = os.environ.get("FUZZ_SPARE_PATIENT_ID", "")
TWILIO_TOKEN = os.environ.get("FUZZ_TWILIO_TOKEN", "")
HOOK_PATHS = r"^/v1/hooks/"
PATIENT_PATHS = r"^/v1/me(/|$)"
SIGN_OUT = "/v1/patient-sessions/current"
TREATMENT_PATHS = ("/v1/patients/{patient_id}/treatments", "/v1/treatments/{treatment_id}")
APPOINTMENT_PATHS = ("/v1/patients/{patient_id}/appointments", "/v1/appointments/{appointment_id}")
ERASE = "/v1/patients/{patient_id}"
SCREENING = (
    "active_infection",
    "keloid_prone",
    "active_severe_acne",
    "eczema",
    "psoriasis",
    "bleeding_disorder",
    "relevant_medications",
    "other_serious_skin_condition",
)


def _bearer(case, token: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schemathesis.auth().apply_to(path_regex=PATIENT_PATHS)
class PatientToken:
    def get(self, case, ctx):
        return PATIENT_TOKEN

    def set(self, case, data, ctx):
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(path=SIGN_OUT)
class FreshPatientToken:
    """Signing out revokes the token, so each call signs in anew first."""

    def get(self, case, ctx):
        clinic = {"Authorization": f"Bearer {CLINIC_KEY}"}
        code = requests.post(f"{BASE_URL}/v1/patients/{PATIENT_ID}/enrollment-code", headers=clinic, timeout=10)
        code.raise_for_status()
        session = requests.post(
            f"{BASE_URL}/v1/patient-sessions", json={"enrollment_code": code.json()["enrollment_code"]}, timeout=10
        )
        session.raise_for_status()
        return session.json()["token"]

    def set(self, case, data, ctx):
        _bearer(case, data)


@schemathesis.auth(refresh_interval=None).apply_to(path_regex=HOOK_PATHS)
class TwilioSignature:
    """Twilio's webhooks: signed as Twilio signs, over the public URL and the form as sent."""

    def get(self, case, ctx):
        return TWILIO_TOKEN

    def set(self, case, data, ctx):
        from devtools.twilio_server import signature

        form = case.body if isinstance(case.body, dict) else {}
        url = BASE_URL + case.formatted_path
        if case.query:
            url += "?" + urlencode(case.query, doseq=True)
        case.headers = {**(case.headers or {}), "X-Twilio-Signature": signature(data, url, form)}


@schemathesis.auth().skip_for(path_regex=PATIENT_PATHS).skip_for(path=SIGN_OUT).skip_for(path_regex=HOOK_PATHS)
class ClinicKey:
    def get(self, case, ctx):
        return CLINIC_KEY

    def set(self, case, data, ctx):
        _bearer(case, data)


def _positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if _positive(case) and isinstance(case.body, dict | list):  # no NUL in text: in words (422), not a pattern
        case.body = _without_nul(case.body)
    _keep_own_key(case)
    _keep_own_sessions(case)
    _erase_a_throwaway(case)
    if case.operation.path in APPOINTMENT_PATHS and isinstance(case.body, dict) and _positive(case):
        if "starts_at" in case.body:  # a visit is booked ahead, within two years
            case.body["starts_at"] = (datetime.now(UTC) + timedelta(days=20)).isoformat()
        return
    if case.operation.path not in TREATMENT_PATHS or not isinstance(case.body, dict) or not _positive(case):
        return
    real = {
        "performed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "protocol": "microneedling-face",  # every treatment the drill records, so `area` fits
        "area": "face",
        "combined_with": [],
    }
    case.body.update({name: value for name, value in real.items() if name in case.body})
    series = case.body.get("series")
    if isinstance(series, dict) and isinstance(series.get("planned_sessions"), int):  # number <= planned, in words
        series["session_number"] = min(series.get("session_number", 1), series["planned_sessions"])


def _keep_own_key(case) -> None:
    """The drill's own key revoked would end the run with 401s: aim that DELETE at the spare."""
    if (
        case.operation.path == "/v1/clinic/api-keys/{key_id}"
        and case.path_parameters
        and str(case.path_parameters.get("key_id")) == OWN_KEY_ID
    ):
        case.path_parameters["key_id"] = int(SPARE_KEY_ID)


SIGNS_OUT_EVERYWHERE = ("/v1/patients/{patient_id}/sessions", "/v1/patients/{patient_id}/enrollment-code")


def _keep_own_sessions(case) -> None:
    """Signing the drill's patient out everywhere (directly, or with a new code and
    end_sessions=true) would end every /v1/me call with 401s: aim those at a spare patient."""
    if (
        case.operation.path in SIGNS_OUT_EVERYWHERE
        and case.path_parameters
        and str(case.path_parameters.get("patient_id")) == PATIENT_ID
    ):
        case.path_parameters["patient_id"] = int(SPARE_PATIENT_ID)


def _erase_a_throwaway(case) -> None:
    """Erasure is real: each DELETE of a patient erases a patient enrolled for it, so the one
    the other operations use (and whose token signs the app in) stays."""
    if case.operation.path != ERASE or case.method.upper() != "DELETE" or not case.path_parameters:
        return
    if str(case.path_parameters.get("patient_id")) not in (PATIENT_ID, SPARE_PATIENT_ID) and not _positive(case):
        return
    clinic = {"Authorization": f"Bearer {CLINIC_KEY}"}
    screening = dict.fromkeys(SCREENING, False)
    body = {"display_name": "Throwaway", "timezone": "UTC", "screening": screening}
    enrolled = requests.post(f"{BASE_URL}/v1/patients", json=body, headers=clinic, timeout=10)
    enrolled.raise_for_status()
    case.path_parameters = {**(case.path_parameters or {}), "patient_id": enrolled.json()["id"]}
