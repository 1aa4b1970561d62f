"""The embedded default sender: every push goes to the log instead of a phone.

The dispatcher records each result in the deliveries table as for any sender,
so a developer sees what would have been sent, and when. The texts themselves
are not logged: a descriptive push can describe a patient's aftercare, and logs
travel further than the database (the reminder row holds the text).
"""

from __future__ import annotations

import logging
import uuid

from companion.channels.base import SENT, PushMessage, PushResult

log = logging.getLogger("companion.channels.log")


class LogSender:
    name = "log"

    def send(self, messages: list[PushMessage]) -> list[PushResult]:
        results = []
        for message in messages:
            message_id = f"log/{uuid.uuid4().hex}"
            log.info(
                "push reminder=%s device=%s platform=%s priority=%s kind=%s title_chars=%d body_chars=%d",
                message.reminder_id,
                message.device_id,
                message.platform,
                message.priority,
                message.data.get("kind", "-"),
                len(message.title),
                len(message.body),
            )
            results.append(PushResult(device_id=message.device_id, outcome=SENT, message_id=message_id))
        return results
