"""gunicorn's access log without push identifiers.

The deprecated `DELETE …/devices/{identifier}` form carries an FCM token or installation
id in its path; an access log keeps it long after the patient is erased. Every path
segment after `/devices/` that is not a numeric device id is written as `[redacted]`.
Used by gunicorn.conf.py (`logger_class`).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

_DEVICE_SEGMENT = re.compile(r"(/devices/)(?!\d+(?:[/?\s]|$))[^/?\s]+")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return _DEVICE_SEGMENT.sub(rf"\g<1>{REDACTED}", text)


class AccessLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:  # type: ignore[type-arg]
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
