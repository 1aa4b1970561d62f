"""Every text written in code or in a console template reaches a Spanish reader in Spanish: the catalog covers
every message id that the code marks, and nothing in it is left untranslated."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from babel.messages.extract import extract_from_dir

from companion.console import labels
from companion.core.clock import clock
from companion.core.i18n import CATALOGS, N_, SUPPORTED_LOCALES, negotiate, translate, translations
from tests.console.helpers import make_staff, post, sign_in, visible_text
from tests.factories import NO_CONTRAINDICATIONS, create_clinic, enroll, record_treatment
from tests.factories import sign_in as app_sign_in

PACKAGE = Path(__file__).resolve().parents[2] / "companion"


def _marked_messages() -> set[str]:
    found = extract_from_dir(
        str(PACKAGE),
        method_map=[
            ("**.py", "python"),
            ("console/templates/**.html", "jinja2"),
            ("patient_app/templates/**.html", "jinja2"),
        ],
        keywords={"N_": None, "_": None},
        comment_tags=(),
    )
    return {message for _file, _line, message, _comments, _context in found if isinstance(message, str)}


def test_code_marks_its_texts_and_every_one_is_translated():
    marked = _marked_messages()
    assert len(marked) >= 30  # advice, neutral pushes, follow-ups, staff alerts
    for locale in SUPPORTED_LOCALES:
        if locale == "en":
            continue
        catalog = translations(locale)
        missing = sorted(marked - set(catalog))
        assert not missing, f"{locale}: untranslated {missing[:3]}"
        unused = sorted(set(catalog) - marked)
        assert not unused, f"the catalog holds texts no code uses any more: {unused[:3]}"


def test_catalog_files_exist_for_every_language_but_english():
    for locale in SUPPORTED_LOCALES:
        if locale != "en":
            assert (CATALOGS / locale / "LC_MESSAGES" / "messages.po").is_file()


def test_translate_fills_placeholders_in_the_readers_language():
    text = N_("Patient #%(patient_id)s: %(reasons)s")
    assert translate(text, "en", patient_id=7, reasons="fever") == "Patient #7: fever"
    assert translate(text, "es-AR", patient_id=7, reasons="fever") == "Paciente n.º 7: fever"


def test_negotiate_picks_the_closest_available_language():
    assert negotiate("ES_mx", ["en", "es", "es-mx"]) == "es-mx"
    assert negotiate("es-AR", ["en", "es"]) == "es"
    assert negotiate("fr", ["en", "es"]) == "en"
    assert negotiate("", ["es"]) == "es"


# Names people chose (the clinic, patients, staff), the product's name and the languages' own names.
PROPER_NAMES = ("Clínica Luz", "Aftercare Companion", "English", "Español", "Marta Gil", "Pablo Ruiz", "PRP", "SPF")
EMAIL = re.compile(r"[\w.+-]+@[\w.-]+")


def _english_left(text: str) -> list[str]:
    """English message ids (whose Spanish differs) and data codes found in a page's visible text."""
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    text = EMAIL.sub(" ", text)
    found = []
    for message, spanish in translations("es").items():
        fragments = [f.strip(" :.,()·") for f in re.split(r"%\(\w+\)s", message)]
        for fragment in fragments:
            if spanish == message or len(fragment) < 3 or fragment in spanish:
                continue
            if re.search(rf"(?<![\w-]){re.escape(fragment)}(?![\w-])", text):
                found.append(fragment)
    codes = {code for table in labels.TABLES.values() for code in table if "_" in code}
    codes |= {"microneedling-face", "microneedling-body", "microneedling-face-prp"}
    found += [code for code in sorted(codes) if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    return found


def test_every_console_page_reads_in_spanish_with_no_code_and_no_english_left(app, client):
    clinic = create_clinic(app, "Clínica Luz")
    sign_in(client, "admin@luz.example", make_staff(app, clinic["id"], "admin@luz.example"))
    post(client, "/console/settings/language", {"locale": "es"}, form_page="/console/settings")
    api = app.test_client()
    screening = {**NO_CONTRAINDICATIONS, "eczema": True}
    marta = enroll(api, clinic, display_name="Marta Gil", locale="es", screening=screening)
    add_on = ["hyaluronic_acid"]
    record_treatment(api, clinic, marta["id"], area="cheeks", combined_with=add_on, clearance_confirmed=True)
    clock.freeze(clock.now() - timedelta(hours=30))  # Pablo has not signed in for a day: the worklist says so
    pablo = enroll(api, clinic, display_name="Pablo Ruiz", locale="es", external_ref="H-77")
    clock.unfreeze()
    headers = app_sign_in(api, marta["enrollment_code"])
    checkin = {"ratings": {"redness": 2}, "red_flags": {"fever": True}, "note": "Me arde la mejilla"}
    assert api.post("/v1/me/checkins", headers=headers, json=checkin).status_code == 201
    patient_page = f"/console/patients/{marta['id']}"
    client.get(f"{patient_page}/export")
    printed = post(client, f"/console/patients/{pablo['id']}/handout", {}, form_page=patient_page)
    refused = post(
        client,
        f"{patient_page}/sessions/new",
        {"protocol": "microneedling-face", "performed_at": "", "needle_depth_mm": "1", "area": "face"},
    )
    assert refused.status_code == 422
    webhook = {"name": "Clínica Luz", "phone": "+34 600 000 000", "webhook_url": "https://10.1.2.3/alertas"}
    refused_webhook = post(client, "/console/settings/clinic", webhook, form_page="/console/settings")
    assert refused_webhook.status_code == 422
    wrong_values = {
        "v.restrictions.makeup.hours": "mucho",
        "v.restrictions.sun.spf": "24.5",
        "v.hydration.for_hours": "0",
    }
    refused_values = post(
        client, "/console/settings/protocols/microneedling-face", wrong_values, form_page="/console/settings"
    )
    assert refused_values.status_code == 422
    refused_period = client.get("/console/results", query_string={"from": "2026-12-07", "to": "el lunes"})
    assert refused_period.status_code == 422
    pages = {
        "worklist": client.get("/console/"),
        "patients": client.get("/console/patients"),
        "enroll": client.get("/console/patients/new"),
        "patient": client.get(patient_page),
        "session": client.get(f"{patient_page}/sessions/new"),
        "session refused": refused,
        "hand-out": client.get(printed.headers["Location"]),
        "hand-out again": client.get(printed.headers["Location"]),
        "erase": client.get(f"{patient_page}/erase"),
        "settings": client.get("/console/settings"),
        "settings refused": refused_webhook,
        "protocol values refused": refused_values,
        "results": client.get("/console/results"),
        "results refused": refused_period,
    }
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        page = response.get_data(as_text=True)
        assert '<html lang="es">' in page, name
        assert not _english_left(visible_text(page)), f"{name}: {_english_left(visible_text(page))}"
    worklist = visible_text(pages["worklist"].get_data(as_text=True))
    assert "urgente: fiebre" in worklist and "Inscrito, pero nunca entró en la aplicación" in worklist
    assert "hace 1 día" in worklist  # how long Pablo has waited, in words; no UTC stamp
    patient = visible_text(pages["patient"].get_data(as_text=True))
    assert "Eccema: hace falta la autorización de un médico" in patient and "ácido hialurónico" in patient
    assert "Microagujas" in patient and "mejillas" in patient
    assert "Esta dirección no está permitida." in visible_text(refused_webhook.get_data(as_text=True))
    values = visible_text(refused_values.get_data(as_text=True))
    assert "No es un número válido." in values and "No es un número entero válido." in values
    assert "Debe ser mayor que 0 y menor o igual que 2880." in values
    assert "No es una fecha válida." in visible_text(refused_period.get_data(as_text=True))
    audit = visible_text(pages["settings"].get_data(as_text=True))
    assert f"exportó al paciente #{marta['id']}" in audit and "(administración)" in audit
