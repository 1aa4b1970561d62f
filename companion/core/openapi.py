"""The OpenAPI document as integrators' tools read it: generators, linters, fuzzers.

Views declare what is theirs (operationId, summary, schemas); this module adds what
every operation shares (headers, `security: []` on public ones, `required` on what a
response always holds, the error codes) once all blueprints are registered.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from companion.core.errors import ERROR_CODES
from companion.core.idempotency import HEADER as IDEMPOTENCY_KEY
from companion.core.idempotency import KEY_PATTERN, MAX_LENGTH, REPLAYED

# `@blp.doc(**IDEMPOTENT)` on a POST that creates: the header it takes, the one it answers.
IDEMPOTENT: dict[str, Any] = {
    "parameters": ["IdempotencyKey"],
    "responses": {201: {"headers": {REPLAYED: REPLAYED}}},
}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
RATE_LIMITED = ("clinicKey", "patientToken")  # the credentials a budget is counted for
_HEADERS: dict[str, dict[str, Any]] = {
    REPLAYED: {
        "description": "`true` when this answer repeats the first request made with the same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again (429 only).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "When the window resets (Unix seconds).", "schema": {"type": "integer"}},
    "WWW-Authenticate": {
        "description": '`Bearer` with the realm and, for a bad credential, `error="invalid_token"`.',
        "schema": {"type": "string", "example": 'Bearer realm="aftercare", error="invalid_token"'},
    },
}
OPTIONAL = "x-optional"  # field metadata: a response field that is sometimes left out
_METHODS = ("get", "put", "post", "patch", "delete")


def register_components(spec: APISpec) -> None:
    """Before the blueprints: what their docs refer to by name."""
    spec.components.parameter(
        "IdempotencyKey",
        "header",
        {
            "name": IDEMPOTENCY_KEY,
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": KEY_PATTERN},
            "description": "Any unique string (a UUID). Retrying with the same key returns the first result "
            "(`Idempotent-Replayed: true`) instead of creating again; the same key with a different request is "
            "409 `idempotency_conflict`.",
            "example": "3f1c7a52-8d0e-4c43-9a57-0f0e4b2b9d11",
        },
    )
    for name, header in _HEADERS.items():
        spec.components.header(name, header)


def finish_document(spec: APISpec) -> None:
    """After every blueprint: the shared parts (tests/api/test_contract.py checks that every
    operation names itself: an operationId and a summary)."""
    _error_codes(spec)
    _shared_response_headers(spec)
    counted = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_HEADERS}
    for operations in spec._paths.values():
        for method in _METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            if not operation.get("security"):
                operation["security"] = []  # public: no credential
                continue
            if not any(name in RATE_LIMITED for need in operation["security"] for name in need):
                continue  # a provider's webhook: signed, not counted
            for status, response in operation.get("responses", {}).items():  # a credential's budget, as it stands
                if str(status).startswith("2") and isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("headers", {}).update(counted)
    _require_what_responses_hold(spec)
    spec.components.schemas.pop("PaginationMetadata", None)  # flask-smorest's, unused: we page our own way


def _error_codes(spec: APISpec) -> None:
    rows = "\n".join(f"- `{code}`: {meaning}" for code, meaning in ERROR_CODES.items())
    detail = spec.components.schemas["ErrorDetail"]
    detail["properties"]["code"]["description"] = (
        "What went wrong, for programs (the message is for people). New codes may be added: treat an "
        f"unknown one by its HTTP status.\n\n{rows}"
    )


def _shared_response_headers(spec: APISpec) -> None:
    responses = spec.components.responses
    limited = {name: {"$ref": f"#/components/headers/{name}"} for name in ("Retry-After", *RATE_HEADERS)}
    if "TOO_MANY_REQUESTS" in responses:
        responses["TOO_MANY_REQUESTS"].setdefault("headers", {}).update(limited)
    if "UNAUTHORIZED" in responses:
        challenge = {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
        responses["UNAUTHORIZED"].setdefault("headers", {}).update(challenge)


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _closure(spec: APISpec, names: set[str]) -> set[str]:
    schemas = spec.components.schemas
    pending, seen = list(names), set(names)
    while pending:
        found: set[str] = set()
        _refs(schemas.get(pending.pop(), {}), found)
        pending += sorted(found - seen)
        seen |= found
    return seen


def _require_what_responses_hold(spec: APISpec) -> None:
    """A schema only ever answered (never sent) lists every field it always holds as `required`:
    generated clients then type them as present, not Optional."""
    sent: set[str] = set()
    answered: set[str] = set()
    for operations in spec._paths.values():
        for method in _METHODS:
            operation = operations.get(method) or {}
            _refs({k: v for k, v in operation.items() if k != "responses"}, sent)
            _refs(operation.get("responses", {}), answered)
    for response in spec.components.responses.values():
        _refs(response, answered)
    sent = _closure(spec, sent)
    for name in _closure(spec, answered) - sent:
        schema = spec.components.schemas.get(name, {})
        properties = schema.get("properties", {})
        always = [key for key, value in properties.items() if not value.pop(OPTIONAL, False)]
        if always:
            schema["required"] = always
