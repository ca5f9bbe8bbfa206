"""An httpx transport that connects only to addresses checked beforehand, never to a fresh DNS answer.

The request keeps its host name, so the Host header, the TLS server name (SNI) and the certificate check
all use the name; only the TCP connection goes to the pinned address. A DNS answer that changes after the
check (DNS rebinding) is therefore never used.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence

import httpx

from src.core.errors import InputRejected


class PinnedTransport(httpx.BaseTransport):
    """Send requests for `host` to `addresses` (tried in order while a connection cannot be opened)."""

    def __init__(self, host: str, addresses: Sequence[str], *, verify: ssl.SSLContext | bool = True) -> None:
        if not addresses:
            raise ValueError("a pinned transport needs at least one address")
        self._host = host.lower()
        self._addresses = tuple(addresses)
        # trust_env=False: a proxy from the environment would resolve the name again itself.
        self._inner = httpx.HTTPTransport(verify=verify, trust_env=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` over a connection to a pinned address; any other host is refused."""
        if request.url.host.lower() != self._host:
            # Only reachable if a caller follows a redirect: the new host was never checked.
            raise InputRejected(f"{request.url.host} was not checked as a target, so the request was not sent.")
        extensions = dict(request.extensions)
        if request.url.scheme == "https":
            # SNI and the certificate check use the name (its ASCII form), not the address connected to.
            extensions["sni_hostname"] = request.url.raw_host.decode("ascii")
        for address in self._addresses[:-1]:
            try:
                return self._inner.handle_request(_to(address, request, extensions))
            except httpx.ConnectError:  # nothing was sent yet, so the next checked address is safe to try
                continue
        return self._inner.handle_request(_to(self._addresses[-1], request, extensions))

    def close(self) -> None:
        """Close the pooled connections."""
        self._inner.close()


def _to(address: str, request: httpx.Request, extensions: dict) -> httpx.Request:
    # The Host header was set from the original URL and stays; only where to connect changes.
    return httpx.Request(request.method, request.url.copy_with(host=address), headers=request.headers,
                         stream=request.stream, extensions=extensions)
