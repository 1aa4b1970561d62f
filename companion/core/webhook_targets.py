"""Which URLs a clinic's webhook may point at: public HTTPS hosts only.

A webhook URL is chosen by a tenant and fetched by our dispatcher from inside our
network, so it must never reach our own services (loopback, the database port,
private ranges, a cloud metadata endpoint). The host is resolved and EVERY address
it resolves to is checked, when the URL is saved and again when it is sent to; the
sender then connects to one of the checked addresses (see `webhook_client`), so a
name that re-resolves to a private address in between (DNS rebinding) gains nothing.

What a refusal tells the clinic is only that the address is not allowed: naming what an
internal host resolves to would map our network for anyone who can save a URL. The
lookup itself is bounded in time, so a slow name server cannot hold a request.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from companion.core.i18n import N_

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

# Names that only ever mean "inside": cloud metadata services and local-only suffixes.
_BLOCKED_NAMES = {"localhost", "metadata", "metadata.google.internal", "instance-data"}
_BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa")
# IPv4 written as one number or in hex/octal parts (0x7f000001, 2130706433, 0177.1): the C
# resolver reads these as addresses; refuse them outright rather than rely on it.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
# IPv6 ranges that embed an IPv4 address someone else picks.
_EMBEDDING_V4 = (
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64
    ipaddress.ip_network("64:ff9b:1::/48"),
    ipaddress.ip_network("2002::/16"),  # 6to4
)


NOT_ALLOWED = N_("This address is not allowed.")
DEFAULT_DNS_TIMEOUT = 2.0
# getaddrinfo cannot be interrupted: lookups run on a few threads and the caller stops waiting.
_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class UnsafeTarget(ValueError):
    """The URL may not be used as a webhook. `str()` is what the clinic reads; `detail` is for our log."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail or message


class Unresolvable(UnsafeTarget):
    """The host does not resolve (now, or not in time): worth another try later at send time."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (for Host and TLS server name), lower-case, no brackets
    port: int
    path: str  # path and query, at least "/"
    addresses: tuple[str, ...]  # every one of them checked


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def address_problem(address: str) -> str | None:
    """Why this address may not be contacted, or None when it is a public unicast address."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "is an IPv4-mapped IPv6 address"
        if any(ip in net for net in _EMBEDDING_V4) or ip.teredo is not None:
            return "embeds an IPv4 address"
    for flag, reason in (
        ("is_loopback", "is a loopback address"),
        ("is_unspecified", "is the unspecified address"),
        ("is_link_local", "is link-local (cloud metadata lives there)"),
        ("is_multicast", "is multicast"),
        ("is_private", "is a private address"),
        ("is_reserved", "is reserved"),
    ):
        if getattr(ip, flag):
            return reason
    if not ip.is_global:
        return "is not a public address"
    return None


def bounded(resolve: Resolver, timeout: float) -> Resolver:
    """`resolve`, given up on after `timeout` seconds (reported as a failed lookup)."""

    def lookup(host: str, port: int) -> Sequence[str]:
        try:
            return _lookups.submit(resolve, host, port).result(timeout=timeout)
        except LookupTimeout as err:
            raise OSError(f"lookup of {host} took longer than {timeout}s") from err

    return lookup


def check_url(url: str, *, allow_private: bool = False, resolve: Resolver = system_resolve) -> Target:
    """Parse, resolve and check a webhook URL; raises UnsafeTarget with a reason that names
    only what the clinic wrote, never what a name resolves to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UnsafeTarget(f"Not a valid URL: {err}.") from err
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeTarget(N_("The URL needs a host name."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget(N_("Credentials in the URL are not allowed; the webhook is signed instead."))
    literal = _ip_literal(host)
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise UnsafeTarget(N_("The webhook URL must use https."))
    if literal is None and not allow_private:
        if host in _BLOCKED_NAMES or host.endswith(_BLOCKED_SUFFIXES):
            raise UnsafeTarget(NOT_ALLOWED, f"{host} is an internal name")
        if all(_NUMERIC_LABEL.match(label) for label in host.split(".")):
            raise UnsafeTarget(NOT_ALLOWED, f"{host} is an IP address in an unusual form")
    port = port or (443 if scheme == "https" else 80)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = list(dict.fromkeys(resolve(host, port)))
        except (OSError, UnicodeError) as err:
            raise Unresolvable(NOT_ALLOWED, f"{host} does not resolve: {err}") from err
        if not addresses:
            raise Unresolvable(NOT_ALLOWED, f"{host} does not resolve")
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                raise UnsafeTarget(NOT_ALLOWED, f"{host} resolves to {address}, which {problem}")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_with_config(url: str, config: Mapping[str, Any]) -> Target:
    """check_url under the app's settings (a test may give its own resolver: DNS is the network edge),
    the lookup bounded by `WEBHOOK_DNS_TIMEOUT_SECONDS`."""
    resolver = config.get("WEBHOOK_RESOLVER") or system_resolve
    timeout = float(config.get("WEBHOOK_DNS_TIMEOUT_SECONDS") or DEFAULT_DNS_TIMEOUT)
    return check_url(url, allow_private=bool(config.get("WEBHOOK_ALLOW_PRIVATE")), resolve=bounded(resolver, timeout))
