"""Where a live request may go: only to the spec's own servers, never to private or local addresses."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from src.core.errors import InputRejected


def allowed_hosts(servers: tuple[str, ...]) -> set[str]:
    """Return the lower-case host names of the spec's absolute server URLs."""
    return {(urlsplit(s).hostname or "").lower() for s in servers if urlsplit(s).hostname}


def check_target(url: str, servers: tuple[str, ...], *, allow_private: bool = False) -> list[str]:
    """Return the resolved addresses of `url`'s host, or raise InputRejected with one sentence.

    The host must be one of the spec's servers, and every address it resolves to must be public
    (a name that resolves to one public and one private address is refused: DNS picks which is used).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise InputRejected("Live requests need an http:// or https:// URL from the spec's servers.")
    if host not in allowed_hosts(servers):
        raise InputRejected(f"{host} is not one of this spec's servers, so the request was not sent; "
                            "pick a server the spec declares or use mock mode.")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except OSError as err:
        raise InputRejected(f"{host} could not be resolved ({err.strerror or err}); check the server URL.") from err
    addresses = sorted({info[4][0] for info in infos})
    for address in addresses:
        if not allow_private and _is_internal(address):
            raise InputRejected(f"{host} resolves to {address}, a private, loopback or link-local address, "
                                "so the request was not sent; use mock mode for local servers.")
    return addresses


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)
