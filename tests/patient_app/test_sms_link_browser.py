"""A patient with no app, in a real browser: the 24 h check-in prompt goes out by SMS through
the fake Twilio; the link in the text opens its page in Chromium, Continue signs the browser in
and shows the prompt, and the same link is refused the second time."""

from __future__ import annotations

import re
from datetime import timedelta

from companion.channels.factory import build_contact_senders
from companion.channels.log import LogSender
from companion.channels.router import PushRouter
from companion.core.clock import clock
from companion.extensions import db
from companion.reminders.models import CANCELLED, Reminder
from devtools.twilio_server import FakeTwilio
from tests.browser import skip_without_browser
from tests.factories import create_clinic, enroll, record_treatment
from tests.patient_app.browser import ZONE, LiveServer, live_server, phone, viewport

skip_without_browser()

__all__ = ["live_server", "phone"]  # fixtures


def test_a_check_in_prompt_by_sms_signs_the_browser_in_once(app, ctx, live_server: LiveServer, phone, make_dispatcher):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base, driver, wait = live_server.url, phone, WebDriverWait(phone, 15)
    clinic = create_clinic(app, "Clínica Luz")
    api = app.test_client()
    no_quiet = {"start": "00:00", "end": "00:00"}
    patient = enroll(
        api, clinic, locale="en", timezone=ZONE, phone="612 345 678", consent={"sms": True}, quiet_hours=no_quiet
    )
    record_treatment(api, clinic, patient["id"], performed_at=clock.now() - timedelta(hours=24, minutes=5))
    # What is due now is the 24 h prompt alone: the day's other reminders are out of this story.
    prompt = db.session.scalar(db.select(Reminder).where(Reminder.plan_key == "checkin:24h"))
    others = Reminder.patient_id == patient["id"], Reminder.id != prompt.id
    db.session.execute(db.update(Reminder).where(*others).values(status=CANCELLED))
    db.session.commit()

    with FakeTwilio() as twilio:
        sender = PushRouter(LogSender(), LogSender(), build_contact_senders(twilio.config(PUBLIC_URL=base)))
        make_dispatcher(sender, public_url=base).run_pass()
        sender.close()
    [sms] = twilio.messages
    assert sms["To"] == "+34612345678"
    assert "Clínica Luz" in sms["Body"] and prompt.title not in sms["Body"]  # no health detail in a text
    link = re.search(re.escape(base) + r"/app/l/\S+", sms["Body"]).group(0)

    viewport(driver, 390)
    driver.get(link)
    driver.find_element(By.ID, "continue").click()
    wait.until(lambda d: d.current_url.endswith(f"/app/reminders/{prompt.id}"))
    assert driver.find_element(By.ID, "reminder-title").text == prompt.title
    assert driver.find_element(By.ID, "got-it").is_displayed()

    driver.get(link)  # the text opened again, in this browser or any other
    assert not driver.find_elements(By.ID, "continue")
    assert "This link was used or has expired" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
