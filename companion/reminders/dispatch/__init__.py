"""The dispatcher: claim due outbox rows, send them, record what happened.

`loop` runs passes; `claiming` takes and finishes rows under a lease; `quiet` and
`bundling` hold rows back (quiet hours, a patient's reminders waiting for each other);
`pushes` turns claimed rows into one push per phone; `recording` writes outcomes by the
rules in `outcomes`; `channels` lets other domains ride on the same leases; `jobs` is the
long-running scheduler; `heartbeat` and `metrics` report on it; `settings` and `stats` are
its knobs and its report; `collector` tunes the garbage collector for the dispatcher process.
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
