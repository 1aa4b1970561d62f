"""Imports every model so metadata (and Alembic) sees the whole schema."""

from companion.alerts.models import Alert
from companion.audit.models import AuditEntry
from companion.channels.models import Delivery
from companion.checkins.models import CheckIn
from companion.clinics.models import Clinic, ClinicApiKey
from companion.courses.models import Appointment, CourseState
from companion.devices.models import Device
from companion.patients.models import EnrollmentCode, Patient, PatientToken
from companion.protocols.models import ProtocolOverride
from companion.reminders.models import DispatcherHeartbeat, Reminder
from companion.staff.models import StaffMember, StaffSession
from companion.treatments.models import Restriction, Treatment

__all__ = [
    "Alert",
    "Appointment",
    "AuditEntry",
    "CheckIn",
    "CourseState",
    "Clinic",
    "ClinicApiKey",
    "Delivery",
    "Device",
    "DispatcherHeartbeat",
    "EnrollmentCode",
    "Patient",
    "PatientToken",
    "ProtocolOverride",
    "Reminder",
    "Restriction",
    "StaffMember",
    "StaffSession",
    "Treatment",
]
