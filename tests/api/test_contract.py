"""The OpenAPI document as integrators' own tools take it: a validator, a linter with its
recommended rules, and a client generator at its default settings whose output type-checks
and works. The fuzzer (schemathesis, every check) is tests/drills/test_api_fuzz.py.

Redocly comes from npm (`package.json`, installed by `npm ci` in .ci/run). Outside CI a
machine without it skips that test and says why; with CI=true a missing linter fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate
from werkzeug.serving import make_server

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def document(app) -> dict[str, Any]:
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def document_file(document, tmp_path) -> Path:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    return path


def _operations(document) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_operation_has_a_verb_first_operation_id_a_summary_and_security(document):
    ids = Counter()
    for method, path, operation in _operations(document):
        ids[operation.get("operationId")] += 1
        assert re.fullmatch(r"[a-z]+[A-Z][A-Za-z]*", operation.get("operationId", "")), (method, path)
        assert operation.get("summary", "").strip(), (method, path)
        assert "security" in operation, (method, path)  # [] marks the public ones
    assert [name for name, count in ids.items() if count > 1] == []
    public = sorted(f"{m} {p}" for m, p, op in _operations(document) if op["security"] == [])
    assert public == ["get /healthz", "get /metrics", "post /v1/patient-sessions"]
    assert document["servers"]


def test_enums_and_required_fields_of_answers(document):
    schemas = document["components"]["schemas"]
    assert schemas["Alert"]["properties"]["severity"]["enum"] == ["self_care", "contact_clinic", "urgent"]
    assert "urgent" in schemas["CheckIn"]["properties"]["outcome"]["enum"]
    assert "attended" in schemas["Appointment"]["properties"]["status"]["enum"]
    assert "acknowledged" in schemas["Reminder"]["properties"]["state"]["enum"]
    assert "open_alert" in schemas["WorklistItem"]["properties"]["reason"]["enum"]
    for name in ("Alert", "Patient", "Treatment", "CheckIn", "AlertPage"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    assert schemas["Treatment"]["properties"]["series"] == {"$ref": "#/components/schemas/SeriesOut"}
    assert "oneOf" not in schemas["Series"]
    patient = schemas["Patient"]["properties"]
    assert patient["quiet_hours"]["$ref"].endswith("/QuietHours")
    assert patient["screening"]["$ref"].endswith("/ScreeningAnswers")


def test_text_fields_carry_no_nul_pattern_and_zones_have_no_generator_collisions(document):
    text = json.dumps(document)
    assert "u0000" not in text  # NUL is refused by the server (422), not by a pattern that spoils examples
    zones = document["components"]["schemas"]["PatientCreate"]["properties"]["timezone"]["enum"]
    assert "Europe/Madrid" in zones and "UTC" in zones
    assert not {"localtime", "Factory", "posixrules", "GMT0", "Etc/GMT+5"} & set(zones)
    keys = Counter(re.sub(r"[^A-Z0-9]", "", zone.upper()) for zone in zones)
    assert [key for key, count in keys.items() if count > 1] == []


def test_device_body_is_a_choice_of_closed_shapes(document):
    schemas = document["components"]["schemas"]
    choice = schemas["DeviceCreate"]
    shapes = ["FidDevice", "TokenDevice", "WebDevice"]  # a phone's FCM id, a legacy token, a browser subscription
    assert [branch["$ref"].rsplit("/", 1)[1] for branch in choice["oneOf"]] == shapes
    for name in shapes:
        assert schemas[name]["additionalProperties"] is False


def test_headers_webhooks_and_error_codes_are_documented(document):
    components = document["components"]
    assert {"Idempotent-Replayed", "Retry-After", "X-RateLimit-Limit", "WWW-Authenticate"} <= set(components["headers"])
    assert set(components["responses"]["TOO_MANY_REQUESTS"]["headers"]) >= {"Retry-After", "X-RateLimit-Remaining"}
    key = {"$ref": "#/components/parameters/IdempotencyKey"}
    creates = {op["operationId"] for m, p, op in _operations(document) if key in op.get("parameters", [])}
    assert creates == {"createPatient", "createTreatment", "createAppointment", "createCheckIn"}
    assert components["parameters"]["IdempotencyKey"]["name"] == "Idempotency-Key"
    assert "last_api_key" in components["schemas"]["ErrorDetail"]["properties"]["code"]["description"]
    event = components["schemas"]["WebhookEvent"]
    assert event["properties"]["event"]["enum"][0] == "alert.created"
    assert "X-Companion-Signature" in document["info"]["description"]
    webhook_url = components["schemas"]["ClinicUpdate"]["properties"]["webhook_url"]
    assert webhook_url["pattern"].startswith("^https://")


def test_redocly_recommended_rules_find_no_errors(document_file):
    if not REDOCLY.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REDOCLY} is missing: CI runs `npm ci` first (.ci/run)")
        pytest.skip("redocly is not installed: run `npm ci` at the repository root (Node 20+)")
    result = subprocess.run(
        [str(REDOCLY), "lint", str(document_file), "--extends=recommended", "--format=stylish"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture
def served(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.timeout(180)
def test_a_generated_client_type_checks_strictly_and_runs_the_patient_flow(app, document_file, tmp_path, served):
    """openapi-python-client at its defaults (no config): it must not crash nor drop an
    operation; `mypy --strict` passes on tests/api/client_flow.py; the flow works for real."""
    out = tmp_path / "client"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [str(BIN / "openapi-python-client"), "generate", "--path", str(document_file), "--output-path", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert generated.returncode == 0, generated.stdout[-4000:] + generated.stderr[-2000:]
    assert "will not be generated" not in generated.stdout, generated.stdout[-4000:]
    assert "Unable to process" not in generated.stdout, generated.stdout[-4000:]
    flow = tmp_path / "client_flow.py"
    shutil.copy(HERE / "client_flow.py", flow)
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull, str(flow)],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=tmp_path,
        env={**env, "MYPYPATH": str(out)},
    )
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]

    clinic = factories.create_clinic(app)
    sys.path.insert(0, str(out))
    try:
        from tests.api.client_flow import enroll_treat_sign_in_check_in

        checkin = enroll_treat_sign_in_check_in(served, clinic["key"])
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n.startswith("aftercare_companion_client")]:
            del sys.modules[name]
    assert checkin.alert_id is None


def test_the_api_guide_lists_every_error_code():
    from companion.core.errors import ERROR_CODES

    guide = (ROOT / "docs" / "api.md").read_text()
    assert [code for code in ERROR_CODES if f"| `{code}` |" not in guide] == []
