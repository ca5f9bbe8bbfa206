"""Live mode sends only to the spec's own servers, never to private or local addresses, and keeps the token
out of the logs."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from src.core.errors import InputRejected
from src.rag.parsing import parse_bytes
from src.rag.tryit import draft_request, send_live
from src.rag.tryit.guard import check_target

TOKEN = "sk_live_secret_token_123"


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.seen.append(self.path)
        if self.server.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization", ""),
                           "host": self.headers.get("Host", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    """A loopback server that records the paths it was asked for (optionally answering with a redirect)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Echo)
        self.seen: list[str] = []
        self.redirect_to = ""
        self.port = self.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"


@contextmanager
def _serving(tls: ssl.SSLContext | None = None):
    server = _Server()
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback():
    with _serving() as server:
        yield server


@pytest.fixture
def echo_server(loopback):
    return loopback.url


class _Rebinding:
    """A resolver that answers a public address first and loopback afterwards (a DNS rebinding attack)."""

    def __init__(self, first: str) -> None:
        self.first, self.asked = first, 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked += 1
        return [self.first] if self.asked == 1 else ["127.0.0.1"]


def _fixed(address: str):
    return lambda host, port: [address]


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


# 6to4 and NAT64 forms of 127.0.0.1 and 169.254.169.254 reach those addresses on networks that route them.
@pytest.mark.parametrize("host", ["localhost", "169.254.169.254", "10.0.0.8", "[::1]", "0.0.0.0",
                                  "[2002:7f00:1::1]", "[64:ff9b::a9fe:a9fe]"])
def test_names_and_addresses_that_resolve_inside_are_refused(host):
    url = f"http://{host}/x"
    with pytest.raises(InputRejected, match="private, loopback or link-local"):
        check_target(url, (f"http://{host}",))


def test_allowed_private_server_gets_the_request_and_the_token_stays_out_of_the_log(echo_server, capsys):
    spec = _spec(echo_server)
    resp = send_live(draft_request(spec, spec.operations[0]), TOKEN, allow_private=True)
    assert resp.status == 200 and not resp.mocked
    assert json.loads(resp.body) == {"path": "/items", "auth": f"Bearer {TOKEN}", "host": echo_server.removeprefix("http://")}
    assert resp.elapsed_ms > 0 and dict(resp.headers)["content-type"] == "application/json"
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err


def test_a_rebinding_answer_after_the_check_never_reaches_the_loopback_server(loopback):
    # "localhost" itself resolves to the loopback server: any second lookup, ours or the system's, would reach it.
    spec = _spec(f"http://localhost:{loopback.port}")
    resolver = _Rebinding("192.88.99.1")  # public at check time; nothing answers there on this port
    with pytest.raises(InputRejected, match="could not be sent|did not answer"):
        send_live(draft_request(spec, spec.operations[0]), TOKEN, resolve=resolver, timeout_s=1.0)
    assert loopback.seen == [] and resolver.asked == 1


def test_the_pinned_connection_reaches_the_checked_address_with_the_spec_host_name(loopback):
    # A name only our resolver knows: the request can arrive only by connecting to the checked address.
    spec = _spec(f"http://api.pinned.test:{loopback.port}")
    resp = send_live(draft_request(spec, spec.operations[0]), TOKEN, allow_private=True, resolve=_fixed("127.0.0.1"))
    assert resp.status == 200
    assert json.loads(resp.body) == {"path": "/items", "auth": f"Bearer {TOKEN}",
                                     "host": f"api.pinned.test:{loopback.port}"}


def test_a_redirect_is_shown_not_followed(loopback):
    with _serving() as elsewhere:
        loopback.redirect_to = f"{elsewhere.url}/stolen"
        spec = _spec(loopback.url)
        resp = send_live(draft_request(spec, spec.operations[0]), TOKEN, allow_private=True)
        assert resp.status == 302 and dict(resp.headers)["location"] == f"{elsewhere.url}/stolen"
        assert loopback.seen == ["/items"] and elsewhere.seen == []


def test_a_name_that_does_not_resolve_is_refused_with_one_sentence():
    def fails(host, port):
        raise OSError(-2, "Name or service not known")

    with pytest.raises(InputRejected, match=r"^api\.pinned\.test could not be resolved \(Name or service not known\)"):
        check_target("https://api.pinned.test/x", ("https://api.pinned.test",), resolve=fails)


def _certificate(tmp_path: Path, name: str) -> Path:
    """Write a throwaway self-signed certificate (and key) for one DNS name; return the PEM path."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
                   check=True, capture_output=True)
    (tmp_path / "chain.pem").write_text(cert.read_text() + key.read_text())
    return cert


def test_tls_to_a_pinned_address_names_the_host_for_sni_and_the_certificate(tmp_path):
    cert = _certificate(tmp_path, "api.pinned.test")
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "chain.pem")
    names: list[str | None] = []
    server_side.sni_callback = lambda sock, name, ctx: names.append(name)
    trust = ssl.create_default_context(cafile=str(cert))
    with _serving(server_side) as server:
        spec = _spec(f"https://api.pinned.test:{server.port}")
        resp = send_live(draft_request(spec, spec.operations[0]), allow_private=True, resolve=_fixed("127.0.0.1"),
                         verify=trust)
        assert resp.status == 200 and json.loads(resp.body)["host"] == f"api.pinned.test:{server.port}"
        assert names == ["api.pinned.test"]

        other = _spec(f"https://other.pinned.test:{server.port}")  # same address, a name the certificate lacks
        with pytest.raises(InputRejected, match=r"certificate is not valid for other\.pinned\.test"):
            send_live(draft_request(other, other.operations[0]), allow_private=True, resolve=_fixed("127.0.0.1"),
                      verify=trust)
        assert server.seen == ["/items"]
