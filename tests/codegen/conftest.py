"""A real HTTP server on 127.0.0.1 that stands in for the API and records every request it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Received:
    """One request as the stand-in API saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, list[str]]:
        """Decode an urlencoded body."""
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def json(self) -> object:
        """Decode a JSON body."""
        return json.loads(self.body)


@dataclass
class StandInApi:
    """The running server: its base URL and what it received.

    The Nth request is answered with ``replies[N]`` (JSON), or ``{"ok": true}`` past the end of the list.
    """

    base_url: str
    received: list[Received] = field(default_factory=list)
    replies: list[object] = field(default_factory=list)

    def only(self) -> Received:
        """Return the single request received, failing if there was not exactly one."""
        assert len(self.received) == 1, f"expected one request, got {len(self.received)}"
        return self.received[0]


def _handler(api: StandInApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            api.received.append(
                Received(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
            )
            n = len(api.received) - 1
            payload = json.dumps(api.replies[n] if n < len(api.replies) else {"ok": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

        def log_message(self, *args: object) -> None:  # keep test output clean
            return

    return Handler


@contextmanager
def _serving() -> Iterator[StandInApi]:
    api = StandInApi(base_url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def stand_in_api() -> Iterator[StandInApi]:
    """Start the stand-in API on a free loopback port for one test."""
    with _serving() as api:
        yield api


@pytest.fixture(scope="session")
def session_api() -> Iterator[StandInApi]:
    """One stand-in API for the whole session, so samples compiled in one batch all know its URL."""
    with _serving() as api:
        yield api


@pytest.fixture
def shared_api(session_api: StandInApi) -> StandInApi:
    """The session's stand-in API with nothing received yet (and no replies scripted)."""
    session_api.received.clear()
    session_api.replies.clear()
    return session_api


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory):
    """The compiled-language runners, building into one session folder."""
    from tests.codegen.runners import compiled_runners

    return compiled_runners(tmp_path_factory.mktemp("builds"))
