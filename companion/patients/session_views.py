"""Patient app sign-in with the one-time enrollment code."""
from __future__ import annotations

from flask_smorest import Blueprint

from companion.core.auth import PATIENT_SECURITY
from companion.patients import schemas as s
from companion.patients import sessions

blp = Blueprint("patient_sessions", __name__, url_prefix="/v1/patient-sessions", description="Patient app sign-in")


@blp.route("", methods=["POST"])
@blp.arguments(s.SessionCreateSchema)
@blp.response(201, s.SessionSchema)
@blp.alt_response(401, response="UNAUTHORIZED", description="Unknown, used or expired enrollment code")
def start(data):
    """Trade the enrollment code (works once) for a patient bearer token."""
    return sessions.start_session(data["enrollment_code"])


@blp.route("/current", methods=["DELETE"])
@blp.doc(security=PATIENT_SECURITY)
@blp.response(204)
def end():
    """Sign out: this token stops working."""
    sessions.authenticate_patient()
    sessions.end_session()
