from __future__ import annotations

from marshmallow import Schema, fields

from companion.core.pagination import page_schema
from companion.protocols.file_schema import ProtocolOverrideSchema

_TITLE = {"en": "Microneedling: face", "es": "Microagujas: rostro"}


class ProtocolSummarySchema(Schema):
    key = fields.String()
    title = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "By language", "example": _TITLE}
    )
    description = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": "By language"})
    overridden = fields.Boolean()


ProtocolPageSchema = page_schema(ProtocolSummarySchema, "ProtocolPage")


class ProtocolDetailSchema(Schema):
    key = fields.String()
    overridden = fields.Boolean()
    overrides = fields.Dict()
    protocol = fields.Dict(metadata={"description": "The protocol with this clinic's overrides applied"})


# The sections a clinic may override; what each holds is the protocol file's schema.
_SECTIONS = {
    name: {"type": "array", "items": {"type": "object"}} if isinstance(field, fields.List) else {"type": "object"}
    for name, field in ProtocolOverrideSchema().fields.items()
}


class OverrideSchema(Schema):
    values = fields.Dict(
        required=True,
        metadata={
            "description": (
                "Protocol values your clinic uses instead: any sections of the protocol as "
                "GET /v1/protocols/{key} shows it, except key, version and treatment. Tables merge "
                "entry by entry, lists replace the protocol's. Each value follows the protocol file "
                "schema (texts in en and es, lower_snake_case names, HH:MM times, hours > 0, deeper "
                "rows healing no faster), and the merged protocol must still be whole; otherwise 422."
            ),
            "properties": _SECTIONS,
            "additionalProperties": False,
        },
    )
