"""Test hosts made of Linux network namespaces on one machine, for the multi-host drill.

Each host is a namespace with one veth link into a bridge in the root namespace, where
the test itself sits (the bridge's address), so it reaches every host as a client would.
Cutting a host's link takes its bridge port down: packets vanish both ways, TCP retransmits,
nothing is refused, as when a cable or a switch port fails. Everything made here carries
a per-run tag and is removed by `Network.close()`, processes first.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.processes import PROJECT_ROOT

FAKETIME_LIBRARY = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def _ip(*args: str) -> str:
    return subprocess.run(["ip", *args], check=True, capture_output=True, text=True).stdout


def unavailable() -> str | None:
    """Why the drill cannot run here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "nginx", "redis-server", "initdb", "setpriv"):
        if shutil.which(tool) is None and not (tool == "nginx" and Path("/usr/sbin/nginx").exists()):
            return f"`{tool}` is not installed"
    if not FAKETIME_LIBRARY.exists():
        return f"libfaketime is not installed ({FAKETIME_LIBRARY})"
    probe = f"companion-probe-{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", probe)
    except (OSError, subprocess.CalledProcessError) as error:
        return f"`ip netns add` is not permitted: {getattr(error, 'stderr', error)}".strip()
    _ip("netns", "del", probe)
    return None


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.x that no route or address of this machine already uses."""
    used = [
        ipaddress.ip_network(word, strict=False)
        for line in (_ip("-4", "route").splitlines() + _ip("-4", "-o", "addr").split())
        for word in line.split()
        if "/" in word and word[0].isdigit()
    ]
    for _ in range(200):
        net = ipaddress.ip_network(f"10.{secrets.randbelow(200) + 50}.{secrets.randbelow(250)}.0/24")
        if not any(net.overlaps(other) for other in used):
            return net
    raise RuntimeError("no free 10.x subnet for the drill")


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    port: str  # the link's end on the bridge
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def spawn(
        self, argv: list[str], *, log: Path, env: dict[str, str] | None = None, user: str | None = None
    ) -> subprocess.Popen[Any]:
        """Run `argv` on this host (as `user` if given), output to `log`."""
        prefix = ["ip", "netns", "exec", self.namespace]
        if user:
            prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [*prefix, *argv], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process


class Network:
    def __init__(self) -> None:
        self.tag = secrets.token_hex(2)
        self.subnet = _free_subnet()
        addresses = self.subnet.hosts()
        self.bridge = f"cdbr{self.tag}"
        self.gateway = str(next(addresses))  # the test's own address on the bridge
        self._addresses = addresses
        self.hosts: dict[str, Host] = {}
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/{self.subnet.prefixlen}", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def host(self, name: str) -> Host:
        index = len(self.hosts)
        namespace, port = f"companion-{self.tag}-{name}", f"cd{self.tag}{index}"
        address = str(next(self._addresses))
        _ip("netns", "add", namespace)
        _ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        _ip("link", "set", port, "master", self.bridge, "up")
        _ip("-n", namespace, "addr", "add", f"{address}/{self.subnet.prefixlen}", "dev", "eth0")
        _ip("-n", namespace, "link", "set", "eth0", "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        self.hosts[name] = Host(name, namespace, address, port)
        return self.hosts[name]

    def cut(self, host: Host) -> None:
        _ip("link", "set", host.port, "down")

    def restore(self, host: Host) -> None:
        _ip("link", "set", host.port, "up")

    def close(self) -> None:
        for host in reversed(self.hosts.values()):  # the database host last
            for process in host.processes:
                stop(process)
        for host in self.hosts.values():
            with contextlib.suppress(subprocess.CalledProcessError):
                _ip("netns", "del", host.namespace)  # its end of the link goes with it
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", self.bridge)


def stop(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """SIGCONT first (a paused process cannot exit), then SIGTERM, then SIGKILL."""
    if process.poll() is not None:
        return
    for pid in [process.pid, *descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    """Children, grandchildren, …: a PostgreSQL postmaster's backends and helpers."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parent_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parent_of.items() if parent in frontier]
        found += children
        frontier = children
    return found


def signal_tree(pid: int, sig: int) -> None:
    for each in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(each, sig)
