import pytest

from companion.core.clock import clock


@pytest.fixture
def frozen(ctx):
    """The clock stands still at now, inside an app context."""
    clock.freeze(clock.now())
    return clock


# The public origin the fallback tests' sign-in links and signed Twilio callbacks use.
PUBLIC = "https://care.example"


@pytest.fixture
def twilio(app, monkeypatch):
    """A fake Twilio whose account the app knows (the status hook checks its signature)."""
    from devtools.twilio_server import FakeTwilio

    with FakeTwilio() as fake:
        for key, value in {**fake.config(), "PUBLIC_URL": PUBLIC}.items():
            monkeypatch.setitem(app.config, key, value)
        yield fake


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on 127.0.0.1."""
    from devtools.smtp_server import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def dispatch(ctx, twilio, smtp, make_dispatcher):
    """A dispatcher with pushes to the log and SMS and e-mail through the fakes, the clock frozen."""
    from companion.channels.factory import build_contact_senders
    from companion.channels.log import LogSender
    from companion.channels.router import PushRouter

    clock.freeze(clock.now())
    config = {**twilio.config(), "SMTP_URL": smtp.url, "EMAIL_FROM": "Clinica Sol <care@clinica.example>"}
    config["PUBLIC_URL"] = PUBLIC
    sender = PushRouter(LogSender(), LogSender(), build_contact_senders(config))
    yield make_dispatcher(sender, public_url=PUBLIC)
    sender.close()
