"""A patient's course of care: sessions linked into a series, appointments, maintenance."""
