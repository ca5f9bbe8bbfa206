"""Run a deploy script against recording stub CLIs and a real health endpoint on loopback."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.ops.helpers import ROOT, STUBS

CLOUD_CLIS = ("aws", "gcloud", "az", "doctl", "docker")
# what the scripts may use from the system; nothing else is on PATH, so no real cloud CLI can run
SYSTEM_TOOLS = ("bash", "env", "python3", "curl", "git", "sed", "tr", "mktemp", "rm", "dirname", "date",
                "sleep", "cat", "head", "tail", "grep", "chmod", "mkdir", "basename", "awk", "find")


def verb(command: list[str]) -> list[str]:
    """Return a command's leading words (e.g. aws ecs create-service), without flags or values."""
    words = []
    for token in command[:4]:
        if token.startswith("-") or not re.fullmatch(r"[a-z][a-z0-9-]*", token):
            break
        words.append(token)
    return words


def make_bin(tmp: Path, omit: tuple[str, ...] = ()) -> Path:
    """Return a PATH directory holding the stub CLIs (except `omit`) and the needed system tools."""
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    for name in CLOUD_CLIS:
        if name not in omit:
            (bindir / name).symlink_to(STUBS / "stub_cli.py")
    for name in SYSTEM_TOOLS:
        # a real interpreter, not a version-manager shim that needs more of PATH
        path = str(Path(sys.executable).resolve()) if name == "python3" else shutil.which(name)
        assert path, f"{name} is needed by the deploy scripts"
        (bindir / name).symlink_to(path)
    return bindir


@dataclass
class Result:
    """One deploy run: exit code, output and the recorded CLI calls."""

    returncode: int
    stdout: str
    stderr: str
    calls: list[dict] = field(default_factory=list)

    def commands(self) -> list[list[str]]:
        """Return every recorded call as [cmd, *args]."""
        return [[c["cmd"], *c["args"]] for c in self.calls]

    def find(self, *tokens: str) -> list[dict]:
        """Return the recorded calls whose command line contains every token."""
        return [c for c in self.calls if all(t in [c["cmd"], *c["args"]] for t in tokens)]

    def printed(self) -> list[list[str]]:
        """Return the commands a dry run printed, split like a shell would."""
        commands: list[list[str]] = []
        for line in self.stdout.splitlines():
            if line and not line.startswith("#"):
                current: list[str] = []
                for token in shlex.split(line):  # "a | b" is two commands, as the real run records
                    if token == "|":
                        commands.append(current)
                        current = []
                    else:
                        current.append(token)
                commands.append(current)
        return commands


def run_deploy(cloud: str, tmp: Path, env: dict[str, str], rules: list[dict], *args: str,
               omit: tuple[str, ...] = ()) -> Result:
    """Run scripts/deployment/<cloud>/deploy.sh with stubs first on PATH."""
    log, rules_file = tmp / "calls.jsonl", tmp / "rules.json"
    log.write_text("")
    rules_file.write_text(json.dumps(rules))
    bindir = tmp / "bin" if (tmp / "bin").exists() else make_bin(tmp, omit)
    full_env = {"PATH": str(bindir), "HOME": str(tmp), "STUB_LOG": str(log), "STUB_RULES": str(rules_file),
                "DEPLOY_TAG": "v1", "DEPLOY_HEALTH_TIMEOUT": "20", "LANG": "C.UTF-8", **env}
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "deployment" / cloud / "deploy.sh"), *args],
                          env=full_env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return Result(proc.returncode, proc.stdout, proc.stderr, calls)


class HealthServer:
    """A loopback HTTP(S) server that answers /_stcore/health like Streamlit and records requests."""

    def __init__(self, tmp: Path, tls: bool = False) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                seen.append((self.path, dict(self.headers)))
                ok = self.path == "/_stcore/health"
                self.send_response(200 if ok else 404)
                self.end_headers()
                self.wfile.write(b"ok" if ok else b"")

            def log_message(self, *_: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.ca_file: Path | None = None
        if tls:
            self.ca_file = self._wrap_tls(tmp)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _wrap_tls(self, tmp: Path) -> Path:
        """Serve HTTPS with a throwaway self-signed certificate for 127.0.0.1."""
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                        "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        return cert

    def __enter__(self) -> HealthServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

