"""Validation messages reach a Spanish reader in Spanish: marshmallow's own, the formatted
ones with their values carried over, on console and patient-app pages alike."""

from __future__ import annotations

import inspect
import re

import pytest
from marshmallow import ValidationError, fields, validate

from companion.core.field_messages import TEMPLATES, translate_message, translate_messages
from companion.core.i18n import translations
from tests.patient_app.helpers import enrolled_patient, join, post

# What only dumping can say (a form never meets it).
DUMP_ONLY = {
    '"{input}" cannot be formatted as a {obj_type}.',
    '"{input}" cannot be formatted as a date.',
    "{input!r} cannot be formatted as a timedelta.",
}


def _marshmallow_messages() -> set[str]:
    """Every default message of the installed marshmallow, Range's composed ones written out."""
    found = {
        message
        for _, cls in inspect.getmembers(fields, inspect.isclass)
        for message in getattr(cls, "default_error_messages", {}).values()
    }
    found |= {cls.default_message for cls in (validate.Email, validate.URL, validate.Regexp)}
    found |= {validate.OneOf.default_message, validate.Equal.default_message, validate.NoneOf.default_message}
    found |= {validate.ContainsOnly.default_message, validate.ContainsNoneOf.default_message}
    found |= {validate.Length.message_min, validate.Length.message_max, validate.Length.message_all}
    found |= {validate.Length.message_equal}
    for low in (validate.Range.message_gte, validate.Range.message_gt):
        found.add(validate.Range.message_min.format(min_op=low))
        for high in (validate.Range.message_lte, validate.Range.message_lt):
            found.add(validate.Range.message_all.format(min_op=low, max_op=high))
    for high in (validate.Range.message_lte, validate.Range.message_lt):
        found.add(validate.Range.message_max.format(max_op=high))
    return found - DUMP_ONLY


def test_every_message_marshmallow_can_write_has_a_spanish_template():
    known = set(TEMPLATES) | {"Not a valid {obj_type}.", "Not a valid {awareness} {obj_type}."}
    missing = sorted(_marshmallow_messages() - known)
    assert not missing, f"marshmallow writes messages with no template: {missing}"
    spanish = translations("es")
    assert all(spanish.get(template) not in (None, template) for template in TEMPLATES)


@pytest.mark.parametrize(
    ("field", "value", "spanish"),
    [
        (fields.Integer(strict=True), "24.5", "No es un número entero válido."),
        (fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=2880)), 0, "Debe ser mayor que 0 y"),
        (fields.String(validate=validate.Length(min=1, max=200)), "", "La longitud debe estar entre 1 y 200."),
        (fields.String(validate=validate.OneOf(["admin", "staff"])), "boss", "Debe ser uno de estos: admin, staff."),
        (fields.Email(), "nope", "No es una dirección de correo electrónico válida."),
        (fields.Date(), "31/12", "No es una fecha válida."),
    ],
)
def test_a_real_field_error_reads_in_spanish_with_its_values(field, value, spanish):
    with pytest.raises(ValidationError) as refused:
        field.deserialize(value)
    english = refused.value.messages
    assert translate_messages(english, "es-MX")[0].startswith(spanish)
    assert translate_messages(english, "en") == english


def test_a_message_no_catalog_knows_stays_as_it_is():
    assert translate_message("Something else entirely.", "es") == "Something else entirely."
    assert translate_messages({"a": {"b": ["Not a valid number."]}}, "es") == {"a": {"b": ["No es un número válido."]}}


def test_the_patient_apps_field_errors_read_in_the_patients_language(app, client):
    made = enrolled_patient(app, client, locale="es")
    join(client, made["patient"]["enrollment_code"])
    refused = post(client, "/app/settings", {"timezone": "Marte/Olimpo", "quiet_start": "25:00", "quiet_end": "08:00"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Zona horaria IANA desconocida: &#39;Marte/Olimpo&#39;" in page
    assert not re.search(r"Not a valid|Unknown IANA|Missing data", page)


def test_every_template_keeps_its_values_in_spanish():
    """A translation that drops or renames a {value} would show the reader a hole or fail to format."""
    spanish = translations("es")
    names = re.compile(r"\{(\w+)\}")
    changed = [t for t in TEMPLATES if set(names.findall(t)) != set(names.findall(spanish[t]))]
    assert not changed, changed


def test_our_own_messages_with_values_read_in_spanish():
    from companion.channels.webpush_subscription import SubscriptionRejected, check_endpoint

    with pytest.raises(SubscriptionRejected) as refused:
        check_endpoint("https://push.evil.example/x", hosts=["fcm.googleapis.com"])
    assert translate_messages(refused.value.fields, "es") == {
        "subscription": {"endpoint": ["El host 'push.evil.example' no es un servicio de notificaciones push aceptado."]}
    }
