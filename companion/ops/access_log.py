"""gunicorn's access log without push identifiers.

The deprecated `DELETE …/devices/{identifier}` form carries an FCM token or installation
id in its path; an access log keeps it long after the patient is erased. Every path
segment after `/devices/` that is not a numeric device id is written as `[redacted]`, and so is
the token of a sign-in link sent by SMS or e-mail (`/app/l/{token}`): it signs a phone in.
Used by gunicorn.conf.py (`logger_class`).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from gunicorn.glogging import Logger

if TYPE_CHECKING:
    from gunicorn.glogging import _AtomsDict  # typeshed's name for the atoms; it exists only in the stubs
    from gunicorn.http import Request
    from gunicorn.http.wsgi import Response

_DEVICE_SEGMENT = re.compile(r"(/devices/)(?!\d+(?:[/?\s]|$))[^/?\s]+")
REDACTED = "[redacted]"


_LINK_SEGMENT = re.compile(r"(/app/l/)[^/?\s]+")


def redact(text: str) -> str:
    return _LINK_SEGMENT.sub(rf"\g<1>{REDACTED}", _DEVICE_SEGMENT.sub(rf"\g<1>{REDACTED}", text))


class AccessLogger(Logger):
    def atoms(
        self, resp: Response, req: Request, environ: MutableMapping[str, Any], request_time: timedelta
    ) -> _AtomsDict:
        atoms = super().atoms(resp, req, environ, request_time)
        # "r" (the request line) and "U" (the path) are the atoms that carry a device segment.
        request_line, path = atoms.get("r"), atoms.get("U")
        if isinstance(request_line, str):
            atoms["r"] = redact(request_line)
        if isinstance(path, str):
            atoms["U"] = redact(path)
        return atoms
