"""The key facts of the first month after one session (tests/reminders/stories_first_month.py),
replayed through the API and the dispatcher for each kind of patient."""

from __future__ import annotations

import re

import pytest

from tests.reminders.stories_first_month import PATIENTS, replay

WHO = {who.title: who for who in PATIENTS}


@pytest.fixture
def story(app):
    return lambda title: replay(app, WHO[title])


def test_an_app_user_who_opens_everything_gets_pushes_and_no_sms(story):
    tally = story("app user who opens everything")
    assert tally.pushes > 0 and tally.must_see_sent == 2  # the 24 h and 48 h check-in prompts
    assert (tally.sms, tally.emails) == (0, 0)


def test_an_app_user_who_ignores_pushes_gets_one_fallback_per_must_see_reminder_at_most(story):
    tally = story("app user who ignores pushes")
    assert tally.pushes > 0
    assert 1 <= tally.sms <= tally.must_see_sent
    assert set(tally.fallbacks.values()) == {1}  # no reminder reached the phone by SMS twice


def test_a_patient_without_the_app_who_consented_gets_sms_only_bundled(story):
    tally = story("no app, SMS consent")
    assert tally.pushes == 0 and tally.emails == 0
    assert 0 < tally.sms < tally.reminders_sent  # reminders due together left as one message
    assert any(re.match(r"\d+ updates from Clinica Sol\.", body) for body in tally.sms_bodies)
    assert set(tally.fallbacks.values()) == {1}


def test_a_patient_without_the_app_or_consent_gets_nothing_and_is_reported_unreachable(story):
    tally = story("no app, no consent")
    assert (tally.pushes, tally.sms, tally.emails) == (0, 0, 0)
    assert tally.unreachable == 1
