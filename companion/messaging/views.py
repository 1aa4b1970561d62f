"""Twilio's webhooks: inbound messages (STOP, START...) and delivery status callbacks.

Point the Messaging Service (or the number) at them: docs/channels.md. Only Twilio may call
them (its signature, checked before anything is read); they answer as Twilio expects.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from twilio.twiml.messaging_response import MessagingResponse

from companion.messaging import schemas as s
from companion.messaging import service
from companion.messaging.signature import require_twilio_signature

blp = Blueprint("hooks", __name__, url_prefix="/v1/hooks", description="Twilio: SMS replies and delivery status")
blp.before_request(require_twilio_signature)
TWILIO_SECURITY: list[dict[str, list[str]]] = [{"twilioSignature": []}]


@blp.route("/twilio/inbound", methods=["POST"])
@blp.doc(
    operationId="receiveTwilioMessage",
    security=TWILIO_SECURITY,
    responses={
        "200": {
            "description": "Empty TwiML: no reply from us (Twilio answers STOP and START itself)",
            "content": {"text/xml": {"schema": {"type": "string", "example": "<Response />"}}},
        },
    },
)
@blp.alt_response(403, response="FORBIDDEN", description="X-Twilio-Signature missing or wrong")
@blp.alt_response(404, response="NOT_FOUND", description="SMS is not configured here")
@blp.arguments(s.InboundMessageSchema, location="form")
def inbound(form: dict[str, Any]) -> Response:
    """A patient's reply: STOP, BAJA and their kin turn SMS off for every patient with that number,
    START back on; anything else is ignored."""
    service.handle_inbound(form)
    return Response(str(MessagingResponse()), content_type="text/xml; charset=utf-8")


@blp.route("/twilio/status", methods=["POST"])
@blp.doc(operationId="receiveTwilioStatus", security=TWILIO_SECURITY)
@blp.alt_response(403, response="FORBIDDEN", description="X-Twilio-Signature missing or wrong")
@blp.alt_response(404, response="NOT_FOUND", description="SMS is not configured here")
@blp.arguments(s.MessageStatusSchema, location="form")
@blp.response(204)
def status(form: dict[str, Any]) -> None:
    """A message's status (Twilio's StatusCallback): kept on its deliveries; a number Twilio
    calls unusable or opted out is recorded on the patient."""
    service.record_status(form)
