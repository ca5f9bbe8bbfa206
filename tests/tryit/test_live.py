"""Live mode sends only to the spec's own servers, never to private or local addresses, and keeps the token
out of the logs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from src.core.errors import InputRejected
from src.rag.parsing import parse_bytes
from src.rag.tryit import draft_request, send_live
from src.rag.tryit.guard import check_target

TOKEN = "sk_live_secret_token_123"


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _spec(server: str):
    doc = {"openapi": "3.0.3", "info": {"title": "Echo", "version": "1"}, "servers": [{"url": server}],
           "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
           "security": [{"bearer": []}],
           "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    return parse_bytes("echo.json", json.dumps(doc).encode())


def test_loopback_server_is_refused_with_one_sentence(echo_server):
    spec = _spec(echo_server)
    with pytest.raises(InputRejected, match=r"127\.0\.0\.1, a private, loopback or link-local address"):
        send_live(draft_request(spec, spec.operations[0]), TOKEN)


def test_a_host_the_spec_does_not_declare_is_refused(echo_server):
    spec = _spec(echo_server)
    draft = draft_request(spec, spec.operations[0])
    draft.server = "https://attacker.example.net"
    with pytest.raises(InputRejected, match="is not one of this spec's servers"):
        send_live(draft, TOKEN)


@pytest.mark.parametrize("host", ["localhost", "169.254.169.254", "10.0.0.8", "[::1]", "0.0.0.0"])
def test_names_and_addresses_that_resolve_inside_are_refused(host):
    url = f"http://{host}/x"
    with pytest.raises(InputRejected, match="private, loopback or link-local"):
        check_target(url, (f"http://{host}",))


def test_allowed_private_server_gets_the_request_and_the_token_stays_out_of_the_log(echo_server, capsys):
    spec = _spec(echo_server)
    resp = send_live(draft_request(spec, spec.operations[0]), TOKEN, allow_private=True)
    assert resp.status == 200 and not resp.mocked
    assert json.loads(resp.body) == {"path": "/items", "auth": f"Bearer {TOKEN}"}
    assert resp.elapsed_ms > 0 and dict(resp.headers)["content-type"] == "application/json"
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
