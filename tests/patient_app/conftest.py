import pytest

from tests.patient_app.helpers import enrolled_patient, join


@pytest.fixture
def phone(app):
    """A patient's phone: joined, with a clinic (phone and hours) and a session recorded 30 minutes ago."""
    client = app.test_client()
    made = enrolled_patient(app, client)
    assert join(client, made["patient"]["enrollment_code"]).status_code == 303
    made["client"] = client
    return made
