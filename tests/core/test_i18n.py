"""Every text written in code or in a console template reaches a Spanish reader in Spanish: the catalog covers
every message id that the code marks, and nothing in it is left untranslated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from companion.core.i18n import CATALOGS, N_, SUPPORTED_LOCALES, negotiate, translate, translations

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
