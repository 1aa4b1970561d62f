"""What rides on the dispatcher besides pushes: other channels' handlers (the clinic
webhook) and other domains' periodic tasks, registered by those domains at start-up."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from companion.core.clock import clock
from companion.reminders.dispatch.claiming import ClaimedReminder, finish, write_transaction
from companion.reminders.models import PATIENT_PUSH, STAFF_PUSH

PUSH_CHANNELS = (PATIENT_PUSH, STAFF_PUSH)
# The count a handler returns for rows it dropped unsent because `Lease.deadline` had passed.
FENCED = "fenced"


@dataclass(frozen=True)
class Lease:
    """What a channel handler gets with its rows: the right to finish them, until `deadline`
    (time.monotonic()): past it the lease may be another's, so nothing more goes on the wire."""

    engine: Engine
    claimer: str
    now: datetime
    deadline: float | None = None

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def finish(self, ids: Sequence[int], **values: Any) -> set[int]:
        with write_transaction(self.engine) as connection:
            return finish(connection, claimer=self.claimer, ids=ids, values={"updated_at": clock.now(), **values})


ChannelHandler = Callable[[list[ClaimedReminder], Lease], Mapping[str, int] | None]
HousekeepingTask = Callable[[], int]

_handlers: dict[str, ChannelHandler] = {}
_housekeeping_tasks: dict[str, HousekeepingTask] = {}


def register_channel_handler(channel: str, handler: ChannelHandler) -> ChannelHandler | None:
    """Let another channel ride on the same claiming and leases.

    Rows of a channel with no handler are never claimed, so they wait untouched.
    Returns the handler it replaces, if any.
    """
    if channel in PUSH_CHANNELS:
        raise ValueError(f"{channel!r} is delivered by push")
    previous = _handlers.get(channel)
    _handlers[channel] = handler
    return previous


def unregister_channel_handler(channel: str) -> ChannelHandler | None:
    return _handlers.pop(channel, None)


def channel_handlers() -> dict[str, ChannelHandler]:
    return dict(_handlers)


def register_housekeeping_task(name: str, task: HousekeepingTask) -> None:
    """Periodic work of other domains (re-sending unacknowledged urgent alerts) on the
    dispatcher's clock; runs inside an app context and returns a count for the log."""
    _housekeeping_tasks[name] = task


def housekeeping_tasks() -> dict[str, HousekeepingTask]:
    return dict(_housekeeping_tasks)
