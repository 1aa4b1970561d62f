"""The dispatcher: claim due outbox rows, send them, record what happened.

`loop` runs passes, `recording` writes outcomes, `channels` lets other domains ride
on the same leases, `settings` and `stats` are its knobs and its report, `collector`
tunes the garbage collector for the dispatcher process.
"""

from companion.reminders.dispatch.channels import (
    PUSH_CHANNELS,
    Lease,
    register_channel_handler,
    register_housekeeping_task,
    unregister_channel_handler,
)
from companion.reminders.dispatch.loop import Dispatcher
from companion.reminders.dispatch.settings import DispatchSettings, default_name
from companion.reminders.dispatch.stats import PassStats

__all__ = [
    "PUSH_CHANNELS",
    "DispatchSettings",
    "Dispatcher",
    "Lease",
    "PassStats",
    "default_name",
    "register_channel_handler",
    "register_housekeeping_task",
    "unregister_channel_handler",
]
