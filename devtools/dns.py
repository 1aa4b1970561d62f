"""DNS at the network edge: names the tests use, answered from a table, never the real resolver."""

from __future__ import annotations

import socket
from collections.abc import Sequence


class FakeDns:
    def __init__(self, table: dict[str, Sequence[str] | list[Sequence[str]]] | None = None) -> None:
        # A name maps to its addresses, or to a list of answers given one after the other (rebinding).
        self.table = dict(table or {})
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        answer = self.table.get(host)
        if answer is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if answer and isinstance(answer[0], (list, tuple)):
            current = list(answer[0])
            if len(answer) > 1:
                self.table[host] = answer[1:]  # type: ignore[assignment]
            return current
        return list(answer)  # type: ignore[arg-type]


# Public names the suite uses as webhook targets; nothing is ever sent to them.
PUBLIC_TEST_NAMES = {"hooks.zed.test": ["93.184.215.14"], "hooks.example.test": ["93.184.215.14"]}
