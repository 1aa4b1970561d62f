"""flask-smorest Api whose documented error schema is the one we really send."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask_smorest import Api
from marshmallow import Schema, fields

from companion.core.openapi import register_components

DESCRIPTION = """The backend of the Aftercare Companion: clinics enroll patients and record sessions
(API key), the patient's app reads its aftercare and checks in (patient token).

Errors are `{"error": {"code", "message", "fields"}}` (codes listed on `ErrorDetail.code`);
every list is a page `{items, total, limit, offset}`; POSTs that create take `Idempotency-Key`;
times are ISO 8601 in UTC (`+00:00`). Text may not contain NUL characters (422).

Webhooks: alert events are POSTed to your clinic's `webhook_url` as `WebhookEvent` (see its
schema), signed: `X-Companion-Signature: sha256=<hex>` is HMAC-SHA256 with your webhook
secret over `<X-Companion-Timestamp>.<raw body>`. The guide: docs/api.md."""


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(required=True, data_key="fields")  # `fields` itself is the Schema's own attribute


class ErrorEnvelopeSchema(Schema):
    """Every error answer (named so generators do not shadow its one field, `error`)."""

    error = fields.Nested(ErrorDetailSchema, required=True)


class ErrorResponsesPlugin(BasePlugin):
    """Document the errors every operation of a kind can answer, so clients see them listed:
    401 where credentials are required, 404 where a path names a row, 400/413/415/422
    where a JSON body is read, and 429 where a rate limit may apply. Operation-specific ones
    (409) are declared on the view."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            statuses = []
            if operation.get("security"):
                statuses.append(401)
            if path and "{" in path:
                statuses.append(404)
            if "requestBody" in operation:
                statuses += [400, 413, 415, 422]
            if operation.get("security") or "requestBody" in operation:
                statuses.append(429)  # rate limits (README, "Security")
            for status in statuses:
                # flask-smorest registers one response per HTTPStatus name (names vary by Python version)
                responses.setdefault(str(status), HTTPStatus(status).name)


class SchemaRulesPlugin(BasePlugin):
    """Rules that span fields (exactly one of two, one field bounding another) are
    written as JSON Schema on the schema's `Meta.openapi`, beside the validator that
    enforces them, and copied into the document."""

    converter: Any = None  # the marshmallow plugin's, set once the spec exists

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None:
        schema = kwargs.get("schema")
        bodies = getattr(schema, "bodies", None)
        if bodies and self.converter is not None:  # OneOfBodies: only the choice of shapes
            definition.clear()
            return {"oneOf": [self.converter.resolve_nested_schema(body) for body in bodies.values()]}
        meta = getattr(schema, "Meta", None)
        return dict(getattr(meta, "openapi", None) or {}) or None


def _values_known_at_start(converter: Any, field: Any, **kwargs: Any) -> dict[str, Any]:
    """`metadata={"enum_from": f}`: the `enum` is `f()`, read when the document is built
    (values the app loads at start-up, such as protocol keys)."""
    source = field.metadata.get("enum_from")
    return {"enum": list(source())} if source else {}


def link_to(method: str, path: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link: where a response's values (`$response.body#/id`) are used next,
    so generated clients and stateful tests can follow a resource through its life."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def links(status: int, **named: dict[str, Any]) -> dict[str, Any]:
    """`@blp.doc(**links(201, GetThing=link_to(...)))`."""
    return {"responses": {status: {"links": named}}}


def _null_means_null(converter: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """apispec writes a nullable nested schema as `anyOf: [{type: object, nullable: true}, $ref]`,
    whose first branch admits any object; only `null` is meant."""
    branches = ret.get("anyOf")
    if not branches:
        return {}
    return {"anyOf": [{**b, "enum": [None]} if b == {"type": "object", "nullable": True} else b for b in branches]}


class CompanionApi(Api):
    ERROR_SCHEMA = ErrorEnvelopeSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        spec_kwargs = kwargs.pop("spec_kwargs", None) or {}
        self._schema_rules = SchemaRulesPlugin()
        spec_kwargs.setdefault("extra_plugins", [ErrorResponsesPlugin(), self._schema_rules])
        spec_kwargs.setdefault("servers", [{"url": "/", "description": "The server this document came from"}])
        spec_kwargs.setdefault("info", {"description": DESCRIPTION, "license": {"name": "Proprietary"}})
        super().__init__(*args, spec_kwargs=spec_kwargs, **kwargs)

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        for attribute_function in (_values_known_at_start, _null_means_null):
            self.ma_plugin.converter.add_attribute_function(attribute_function)
        self._schema_rules.converter = self.ma_plugin.converter
        register_components(self.spec)

    def _register_error_handlers(self) -> None:  # our handlers are registered by create_app
        return None
