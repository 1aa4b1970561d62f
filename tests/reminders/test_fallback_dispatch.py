

def test_a_clinic_that_opted_in_to_descriptive_pushes_still_sends_neutral_sms(app, client, dispatch, twilio):
    person = sms_patient(client, app)
    clinic = db.session.get_one(Clinic, person.clinic_id)
    clinic.descriptive_push = True
    db.session.commit()
    rows.reminder(person)
    dispatch.run_pass()
    [sms] = twilio.messages
    assert not [word for word in HEALTH_WORDS if word.lower() in sms["Body"].lower()]
