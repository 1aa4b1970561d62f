"""STUB: replaced by the protocol loader (same names)."""
class ProtocolOverrideError(Exception):
    fields: dict = {}


class Protocol:
    key = ""


def init_protocols(app):
    app.extensions["companion.protocols"] = {}


def get_registry():
    raise NotImplementedError


def validate_facts(protocol, facts):
    raise NotImplementedError
