"""Where webhooks may go: public addresses only (no SSRF into the server's own network).

A URL is checked when a subscription is saved and again before every attempt, with every
address its host resolves to; the attempt then connects to the checked address, so a DNS
answer that changes in between (rebinding) cannot redirect it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata endpoints, named even though the private/link-local rules cover them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)


class BlockedURL(Exception):
    """The URL cannot be a webhook target; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


@lru_cache(maxsize=1)
def _own_addresses() -> frozenset[IPAddress]:
    found: set[IPAddress] = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.add(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
    except OSError:
        pass
    return frozenset(found)


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address of someone else, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_loopback or ip.is_unspecified:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip in _own_addresses():
        return "an address of this server"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "a private address"
    return None


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedURL("Enter a valid URL (http or https).")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise BlockedURL("Enter a valid URL.") from exc
    if not host:
        raise BlockedURL("Enter a valid URL.")
    try:
        # What the resolver does first: a label over 63 characters, an empty label or a
        # NUL is a UnicodeError/ValueError there, so a bad URL here (every face, one place).
        host.encode("idna")
        if "\x00" in host:
            raise ValueError(host)
    except (UnicodeError, ValueError) as exc:
        raise BlockedURL("Enter a valid URL.") from exc
    if parts.username or parts.password:
        raise BlockedURL("URLs with credentials are not allowed.")
    return scheme, host, port or (443 if scheme == "https" else 80)


async def url_resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve ``url``'s host; every address must be public unless ``allow_private``."""
    scheme, host, port = _split(url)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError) as exc:
            raise BlockedURL(f"The host {host} cannot be resolved.") from exc
        seen: dict[IPAddress, None] = {}
        for info in infos:
            seen[ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])] = None
        addresses = tuple(seen)
        if not addresses:
            raise BlockedURL(f"The host {host} cannot be resolved.")
    if not allow_private:
        for ip in addresses:
            problem = address_problem(ip)
            if problem is not None:
                raise BlockedURL(f"Webhook URLs cannot point to {problem} ({ip}).")
    return Target(scheme=scheme, host=host, port=port, addresses=addresses)
