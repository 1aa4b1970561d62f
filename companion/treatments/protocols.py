"""STUB: replaced by the protocol loader."""
def init_protocols(app):
    app.extensions["companion.protocols"] = {}
