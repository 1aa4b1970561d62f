"""Clinic API: the worklist."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from companion.clinics.service import current_clinic, require_clinic
from companion.core.auth import CLINIC_SECURITY
from companion.worklist import service
from companion.worklist.schemas import WorklistArgsSchema, WorklistSchema

blp = Blueprint("worklist", __name__, url_prefix="/v1/worklist", description="Clinic: worklist")
blp.before_request(require_clinic)


@blp.route("", methods=["GET"])
@blp.doc(operationId="listWorklist", security=CLINIC_SECURITY)
@blp.arguments(WorklistArgsSchema, location="query")
@blp.response(200, WorklistSchema)
def worklist(args: dict[str, Any]) -> object:
    """What needs a person, most urgent first: open alerts, missed check-ins, visits not
    recorded, pushes that found no phone, patients never signed in, rebooking and maintenance due."""
    return service.worklist(current_clinic(), args.get("reason"), args["limit"], args["offset"])
