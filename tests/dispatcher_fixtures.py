"""The in-process dispatcher fixture, shared by every test package (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from companion.channels.log import LogSender
from companion.extensions import db
from companion.reminders.dispatch import Dispatcher, DispatchSettings
from companion.reminders.dispatch.outcomes import RetryPolicy


@pytest.fixture
def make_dispatcher(ctx) -> Callable[..., Dispatcher]:
    """A dispatcher on the test database; the log sender unless a push service is given."""

    def factory(sender: Any = None, *, name: str = "test-dispatcher", **settings: Any) -> Dispatcher:
        # Bundling off unless a test asks for it (tests/reminders/test_bundling.py): most
        # tests here follow single reminders through sending, retries and leases.
        defaults: dict[str, Any] = dict(
            batch_size=100,
            lease_seconds=60,
            policy=RetryPolicy(5.0, 900.0, 60.0),
            pass_budget_seconds=5.0,
            bundle_window=timedelta(0),
        )
        defaults.update(settings)
        return Dispatcher(db.engine, sender or LogSender(), name=name, settings=DispatchSettings(**defaults))

    return factory
