"""What a protocol file may say, checked at start-up so a typo never reaches a patient.

The loaded form equals the input form (plain JSON values, times as "HH:MM"), so a
protocol can be stored as a snapshot, served as JSON and merged with overrides.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema
from marshmallow.types import StrSequenceOrSet, UnknownOption
from marshmallow.validate import Length, OneOf, Range, Regexp

from companion.core.fields import Boolean
from companion.core.i18n import N_
from companion.patients.categories import CARE_INSTRUCTIONS, CATEGORIES
from companion.protocols.file_fields import (
    HHMM,
    MAX_HOURS,
    NAME,
    PLANNED_KINDS,
    PRIORITIES,
    REQUIRED_RESTRICTIONS,
    KeyedTable,
    LocalizedText,
    hours_field,
    patching,
)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class MessageSchema(_Strict):
    title = LocalizedText(required=True)
    body = LocalizedText(required=True)


class EndedNoticeSchema(MessageSchema):
    expires_after_hours = hours_field(required=True)


class DailyReminderSchema(MessageSchema):
    kind = fields.String(required=True, validate=NAME)
    at = fields.String(required=True, validate=HHMM)
    expires_after_hours = hours_field(required=True)
    priority = fields.String(load_default="normal", validate=OneOf(PRIORITIES))


class RestrictionSchema(_Strict):
    hours = hours_field(required=True)
    title = LocalizedText(required=True)
    detail = LocalizedText(required=True)
    ended = fields.Nested(EndedNoticeSchema, required=True)
    spf = fields.Integer(strict=True, validate=Range(min=15, max=100))
    daily_reminder = fields.Nested(DailyReminderSchema)


class SlotSchema(_Strict):
    name = fields.String(required=True, validate=NAME)
    at = fields.String(required=True, validate=HHMM)


class HydrationSchema(MessageSchema):
    for_hours = hours_field(required=True)
    expires_after_hours = hours_field(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True, validate=Length(min=1, max=8))

    @validates_schema
    def _unique_slots(self, data: dict[str, Any], **_: Any) -> None:
        names = [slot["name"] for slot in data.get("slots", [])]
        if len(names) != len(set(names)):
            raise ValidationError("Slot names must be unique.", "slots")


class PromptSchema(_Strict):
    after_hours = hours_field(required=True)
    expires_after_hours = hours_field(required=True)
    priority = fields.String(load_default="normal", validate=OneOf(PRIORITIES))
    # Unopened after the push: an SMS or e-mail follows (COMPANION_FALLBACK_AFTER_MINUTES).
    must_see = Boolean(load_default=False)


class CheckinsSchema(MessageSchema):
    prompts = fields.List(fields.Nested(PromptSchema), required=True, validate=Length(min=1, max=12))

    @validates_schema
    def _unique_hours(self, data: dict[str, Any], **_: Any) -> None:
        hours = [prompt["after_hours"] for prompt in data.get("prompts", [])]
        if len(hours) != len(set(hours)):
            raise ValidationError("Check-in prompt hours must be unique.", "prompts")


class ProgressSchema(MessageSchema):
    months = fields.List(
        fields.Integer(strict=True, validate=Range(min=1, max=24)), required=True, validate=Length(min=1, max=24)
    )
    at = fields.String(required=True, validate=HHMM)
    expires_after_days = fields.Integer(strict=True, required=True, validate=Range(min=1, max=60))

    @validates_schema
    def _unique_months(self, data: dict[str, Any], **_: Any) -> None:
        months = data.get("months", [])
        if len(months) != len(set(months)):
            raise ValidationError("Months must be unique.", "months")


class SeriesSchema(MessageSchema):
    recommended_min_sessions = fields.Integer(strict=True, required=True, validate=Range(min=1, max=12))
    recommended_max_sessions = fields.Integer(strict=True, required=True, validate=Range(min=1, max=12))
    spacing_weeks_min = fields.Integer(strict=True, required=True, validate=Range(min=1, max=26))
    spacing_weeks_max = fields.Integer(strict=True, required=True, validate=Range(min=1, max=52))
    closing_nudge_days_before = fields.Integer(strict=True, load_default=7, validate=Range(min=0, max=60))
    closing_nudge_must_see = Boolean(load_default=False)
    at = fields.String(required=True, validate=HHMM)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("spacing_weeks_max", 99) <= data.get("spacing_weeks_min", 0):
            raise ValidationError(N_("Must be greater than spacing_weeks_min."), "spacing_weeks_max")
        if data.get("recommended_max_sessions", 99) < data.get("recommended_min_sessions", 0):
            raise ValidationError(N_("Must be at least recommended_min_sessions."), "recommended_max_sessions")


class MaintenanceSchema(MessageSchema):
    due_months = fields.Integer(strict=True, required=True, validate=Range(min=1, max=36))
    until_months = fields.Integer(strict=True, required=True, validate=Range(min=1, max=48))
    nudge_months = fields.List(
        fields.Integer(strict=True, validate=Range(min=1, max=48)),
        load_default=lambda: [6, 9, 12],
        validate=Length(min=1, max=12),
    )
    nudge_expires_after_days = fields.Integer(strict=True, load_default=30, validate=Range(min=1, max=120))
    at = fields.String(required=True, validate=HHMM)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("until_months", 99) <= data.get("due_months", 0):
            raise ValidationError(N_("Must be greater than due_months."), "until_months")
        months = data.get("nudge_months", [])
        if months != sorted(set(months)):
            raise ValidationError(N_("Must be increasing and unique."), "nudge_months")


class AppointmentsSchema(MessageSchema):
    remind_days_before = fields.Integer(strict=True, required=True, validate=Range(min=0, max=7))
    at = fields.String(required=True, validate=HHMM)
    note = LocalizedText(required=True)
    must_see = Boolean(load_default=False)


class DepthRowSchema(_Strict):
    up_to_mm = fields.Float(required=True, validate=Range(min=0, min_inclusive=False, max=5))
    redness_hours = hours_field(required=True)
    swelling_hours = hours_field(required=True)


class ExpectedCourseSchema(_Strict):
    depth_table = fields.List(fields.Nested(DepthRowSchema), required=True, validate=Length(min=1, max=20))
    extra_hours = fields.Float(load_default=0.0, validate=Range(min=0, max=MAX_HOURS))
    combined_extra_hours = fields.Dict(
        keys=fields.String(validate=NAME),
        values=fields.Float(validate=Range(min=0, max=MAX_HOURS)),
        load_default=dict,
    )
    other_hours = fields.Dict(keys=fields.String(validate=NAME), values=hours_field(), load_default=dict)
    summary = LocalizedText(required=True)

    @validates_schema
    def _deeper_is_longer(self, data: dict[str, Any], **_: Any) -> None:
        rows = data.get("depth_table", [])
        for index, (row, following) in enumerate(itertools.pairwise(rows), start=1):
            if following["up_to_mm"] <= row["up_to_mm"]:
                raise ValidationError({index: {"up_to_mm": [N_("Rows must be in increasing depth.")]}}, "depth_table")
            for name in ("redness_hours", "swelling_hours"):
                if following[name] < row[name]:
                    raise ValidationError({index: {name: [N_("A deeper row cannot heal faster.")]}}, "depth_table")


class WarningSignSchema(_Strict):
    key = fields.String(required=True, validate=NAME)
    text = LocalizedText(required=True)


class TreatmentSchema(_Strict):
    areas = fields.List(fields.String(validate=NAME), required=True, validate=Length(min=1, max=40))
    combined_with = fields.List(fields.String(validate=NAME), load_default=list, validate=Length(max=40))
    min_depth_mm = fields.Float(required=True, validate=Range(min=0.1, max=5))
    max_depth_mm = fields.Float(required=True, validate=Range(min=0.1, max=5))
    typical_depth_mm = fields.Float(required=True, validate=Range(min=0.1, max=5))
    max_planned_sessions = fields.Integer(strict=True, required=True, validate=Range(min=1, max=12))

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("min_depth_mm", 0), data.get("max_depth_mm", 9)
        if high < low:
            raise ValidationError("Must be at least min_depth_mm.", "max_depth_mm")
        if not low <= data.get("typical_depth_mm", low) <= high:
            raise ValidationError("Must lie between min_depth_mm and max_depth_mm.", "typical_depth_mm")


class ProtocolSchema(_Strict):
    key = fields.String(required=True, validate=Regexp(r"^[a-z0-9][a-z0-9-]{0,79}$"))
    version = fields.Integer(strict=True, required=True, validate=Range(min=1))
    title = LocalizedText(required=True)
    description = LocalizedText(required=True)
    treatment = fields.Nested(TreatmentSchema, required=True)
    restrictions = KeyedTable(RestrictionSchema, required=True)
    hydration = fields.Nested(HydrationSchema, required=True)
    checkins = fields.Nested(CheckinsSchema, required=True)
    progress = fields.Nested(ProgressSchema, required=True)
    series = fields.Nested(SeriesSchema, required=True)
    maintenance = fields.Nested(MaintenanceSchema, required=True)
    appointments = fields.Nested(AppointmentsSchema, required=True)
    expected_course = fields.Nested(ExpectedCourseSchema, required=True)
    warning_signs = fields.List(fields.Nested(WarningSignSchema), required=True, validate=Length(min=1))
    serious_signs = fields.Nested(MessageSchema, required=True)
    # Reminder kind -> the patient's switch that governs it.
    categories = fields.Dict(
        keys=fields.String(validate=NAME),
        values=fields.String(validate=OneOf(CATEGORIES)),
        required=True,
    )

    @validates_schema
    def _complete(self, data: dict[str, Any], partial: Any = None, **_: Any) -> None:
        if partial:
            return
        daily = [r["daily_reminder"]["kind"] for r in data["restrictions"].values() if r.get("daily_reminder")]
        uncategorized = [kind for kind in (*PLANNED_KINDS, *daily) if kind not in data["categories"]]
        if uncategorized:
            raise ValidationError(f"Missing a category for: {', '.join(uncategorized)}.", "categories")
        if data["categories"]["restriction_ended"] != CARE_INSTRUCTIONS:  # what keeps the skin safe is never muted
            raise ValidationError({"restriction_ended": [f"Must be {CARE_INSTRUCTIONS}."]}, "categories")
        missing = [kind for kind in REQUIRED_RESTRICTIONS if kind not in data.get("restrictions", {})]
        if missing:
            raise ValidationError(f"Missing required restriction(s): {', '.join(missing)}.", "restrictions")
        if "spf" not in data["restrictions"]["sun"]:
            raise ValidationError({"sun": {"spf": ["Missing data for required field."]}}, "restrictions")
        deepest = data["expected_course"]["depth_table"][-1]["up_to_mm"]
        if deepest < data["treatment"]["max_depth_mm"]:
            raise ValidationError(
                {"depth_table": [f"The last row must reach max_depth_mm ({data['treatment']['max_depth_mm']})."]},
                "expected_course",
            )
        unknown = sorted(set(data["expected_course"]["combined_extra_hours"]) - set(data["treatment"]["combined_with"]))
        if unknown:
            raise ValidationError(
                {"combined_extra_hours": [f"Not a combined treatment of this protocol: {', '.join(unknown)}."]},
                "expected_course",
            )


class ProtocolOverrideSchema(ProtocolSchema):
    """What a clinic may change: windows, schedules, expected course, texts.

    Not the protocol's identity or what can be recorded for a session (key,
    version, treatment). Lists replace the protocol's list; tables merge.
    """

    class Meta:
        unknown = RAISE
        exclude = ("key", "version", "treatment")

    def load(
        self,
        data: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        many: bool | None = None,
        partial: bool | StrSequenceOrSet | None = None,
        unknown: UnknownOption | None = None,
    ) -> Any:
        """Always partial: an override restates only what it changes."""
        with patching():
            return super().load(data, many=many, partial=True, unknown=unknown)
