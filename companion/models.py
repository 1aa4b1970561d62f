"""Imports every model so metadata (and Alembic) sees the whole schema."""
from companion.checkins.models import Alert, CheckIn
from companion.clinics.models import Clinic, ClinicApiKey, ProtocolOverride
from companion.patients.models import Device, EnrollmentCode, Patient, PatientToken
from companion.push.models import Delivery
from companion.reminders.models import DispatcherHeartbeat, Reminder
from companion.treatments.models import Restriction, Treatment

__all__ = [
    "Alert", "CheckIn", "Clinic", "ClinicApiKey", "Delivery", "Device", "DispatcherHeartbeat",
    "EnrollmentCode", "Patient", "PatientToken", "ProtocolOverride", "Reminder", "Restriction", "Treatment",
]
