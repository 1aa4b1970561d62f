"""The clinic's results at a glance: engagement with reminders, check-ins, alerts and rebooking."""
