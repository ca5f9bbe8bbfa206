"""The chained Python script runs against a loopback stand-in API: calls in order, each fed by the last."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from src.rag.generation.plan_sections import CHAIN_LABEL
from tests.codegen.conftest import Received

# What the stand-in answers: a created playlist whose id needs percent-encoding in the next path.
CANNED = [
    (r"^/v1/me$", {"id": "user 7", "display_name": "Ana"}),
    (r"^/v1/users/[^/]+/playlists$", {"id": "pl 1/x", "name": "Road trip", "uri": "tune:playlist:1"}),
    (r"^/v1/search$", {"tracks": {"items": [{"id": "t1", "uri": "tune:track:1"}]}}),
]


class CannedApi:
    """A real HTTP server on 127.0.0.1 that records requests and answers from `CANNED`."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                api.received.append(Received(self.command, parts.path, parse_qs(parts.query),
                                             {k.lower(): v for k, v in self.headers.items()},
                                             self.rfile.read(length) if length else b""))
                payload = json.dumps(next((body for pattern, body in CANNED if re.match(pattern, parts.path)),
                                          {"ok": True})).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def canned_api() -> Iterator[CannedApi]:
    """Start the canned stand-in API for one test."""
    api = CannedApi()
    thread = threading.Thread(target=api.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()
        thread.join(timeout=5)


def _run_chain(code: str, base_url: str, tmp_path) -> None:
    script = tmp_path / "chain.py"
    script.write_text(code)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_PROXY": "*", "no_proxy": "*",
           "API_TOKEN": "tok_chain", "API_BASE_URL": base_url}
    proc = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]


def _chain(answer) -> str:
    scripts = [c.code for c in answer.code if c.label == CHAIN_LABEL]
    assert len(scripts) == 1, [c.label for c in answer.code]
    return scripts[0]


def test_chain_passes_the_created_id_on_percent_encoded(music, canned_api, tmp_path):
    assistant, _ = music
    answer = assistant.ask("create a playlist called 'Road trip', then add tracks to it")
    _run_chain(_chain(answer), canned_api.base_url + "/v1", tmp_path)
    calls = [(r.method, r.path) for r in canned_api.received]
    assert calls[0][0] == "POST" and calls[0][1].startswith("/v1/users/") and calls[0][1].endswith("/playlists")
    assert calls[1] == ("POST", "/v1/playlists/pl%201%2Fx/tracks")
    first, second = canned_api.received
    assert first.json()["name"] == "Road trip" and "id" not in first.json()  # read-only fields never sent
    assert isinstance(second.json()["uris"], list)
    assert all(r.headers["authorization"] == "Bearer tok_chain" for r in canned_api.received)


def test_chain_looks_up_first_and_feeds_the_lookup(music, canned_api, tmp_path):
    assistant, _ = music
    answer = assistant.ask("I don't know my user id. create a playlist 'Gym' for me")
    _run_chain(_chain(answer), canned_api.base_url + "/v1", tmp_path)
    assert [(r.method, r.path) for r in canned_api.received] == [
        ("GET", "/v1/me"), ("POST", "/v1/users/user%207/playlists")]
    assert canned_api.received[1].json()["name"] == "Gym"


def test_each_step_also_has_its_own_samples(music):
    assistant, _ = music
    answer = assistant.ask("skip to the next track and set the volume to 60")
    labels = [c.label for c in answer.code]
    assert any(lbl.startswith("Step 1:") for lbl in labels) and any(lbl.startswith("Step 2:") for lbl in labels)
    assert "volume_percent" in _chain(answer) and "60" in _chain(answer)


def test_bodies_the_chain_sends_validate_against_the_request_schemas(music, canned_api, tmp_path):
    from tests.planning.music_spec import music_spec_bytes
    from tests.planning.raw_schemas import RawSpec, body_validator

    assistant, _ = music
    answer = assistant.ask("create a playlist called 'Road trip', then add tracks to it")
    _run_chain(_chain(answer), canned_api.base_url + "/v1", tmp_path)
    spec_file = tmp_path / "tune.json"
    spec_file.write_bytes(music_spec_bytes())
    raw = RawSpec(spec_file)
    for step, received in zip(answer.plan, canned_api.received, strict=True):
        validator = body_validator(raw, step.pointer, "application/json")
        assert validator is not None
        assert not list(validator.iter_errors(received.json())), (step.key, received.json())
