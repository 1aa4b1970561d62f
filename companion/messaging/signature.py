"""Only Twilio may call the hooks: `X-Twilio-Signature` checked by Twilio's own validator.

Twilio signs the URL it called (our COMPANION_PUBLIC_URL and the path, with any query) and
the form it posted, with the account's auth token; behind a proxy the URL we were reached at
differs, so the public URL is what is checked, never the request's own.
"""

from __future__ import annotations

from flask import current_app, request
from twilio.request_validator import RequestValidator

from companion.core.errors import Forbidden, NotFound

NOT_CONFIGURED = "SMS is not configured on this server (COMPANION_TWILIO_ACCOUNT_SID, COMPANION_TWILIO_AUTH_TOKEN)."
BAD_SIGNATURE = "X-Twilio-Signature is missing or does not match this request."


def require_twilio_signature() -> None:
    """before_request of the hooks: 404 while SMS is off, 403 unless Twilio signed exactly this."""
    config = current_app.config
    token = config.get("TWILIO_AUTH_TOKEN")
    if not token or not config.get("TWILIO_ACCOUNT_SID"):
        raise NotFound(NOT_CONFIGURED)
    url = f"{config['PUBLIC_URL'].rstrip('/')}{request.path}"
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(url, request.form, signature):
        raise Forbidden(BAD_SIGNATURE)
