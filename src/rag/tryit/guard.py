"""Where a live request may go: only to the spec's own servers, never to private or local addresses."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

from src.core.errors import InputRejected

# (host, port) -> the addresses the name resolves to; a parameter so a caller (or a test) can supply DNS.
Resolver = Callable[[str, int], Sequence[str]]
# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the last 32 bits are an IPv4 address.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def resolve_host(host: str, port: int) -> list[str]:
    """Return the addresses the system resolver gives for `host` (raises OSError when it cannot)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def allowed_hosts(servers: tuple[str, ...]) -> set[str]:
    """Return the lower-case host names of the spec's absolute server URLs."""
    return {(urlsplit(s).hostname or "").lower() for s in servers if urlsplit(s).hostname}


def check_target(url: str, servers: tuple[str, ...], *, allow_private: bool = False,
                 resolve: Resolver = resolve_host) -> list[str]:
    """Resolve `url`'s host once and return its addresses, or raise InputRejected with one sentence.

    The host must be one of the spec's servers, and every address it resolves to must be public
    (a name that resolves to one public and one private address is refused: DNS picks which is used).
    The caller connects to these addresses only, never to a second answer for the same name.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InputRejected("Live requests need an http:// or https:// URL from the spec's servers.")
    if host not in allowed_hosts(servers):
        raise InputRejected(f"{host} is not one of this spec's servers, so the request was not sent; "
                            "pick a server the spec declares or use mock mode.")
    addresses = _addresses(host, parts.port or (443 if parts.scheme == "https" else 80), resolve)
    for address in addresses:
        if not allow_private and _is_internal(address):
            raise InputRejected(f"{host} resolves to {address}, a private, loopback or link-local address, "
                                "so the request was not sent; use mock mode for local servers.")
    return addresses


def _addresses(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]  # an address literal needs no lookup
    except ValueError:
        pass
    try:
        found = list(dict.fromkeys(str(a) for a in resolve(host, port)))  # resolver order, once each
    except OSError as err:
        raise InputRejected(f"{host} could not be resolved ({err.strerror or err}); check the server URL.") from err
    if not found:
        raise InputRejected(f"{host} could not be resolved (no address); check the server URL.")
    return found


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.version == 6:
        # 6to4 and NAT64 addresses reach the IPv4 address they carry: an internal one is refused too.
        embedded = ip.sixtofour or next((ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for net in _NAT64 if ip in net),
                                        None)
        if embedded is not None and _is_internal(str(embedded)):
            return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)
