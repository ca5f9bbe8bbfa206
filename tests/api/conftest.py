"""Fixtures of the API tests: one indexed library, keys made with the CLI, `apiassist serve` on a free port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, shared
from tests.ops.helpers import free_port
from tests.serving import stop_process, wait_until_healthy

INDEXED_SPEC = ("specs", "twilio", "twilio_bulkexports_v1.json")
UPLOAD_SPECS = (("specs", "twilio", "twilio_flex_v2.json"), ("specs", "twilio", "twilio_oauth_v1.json"))
API = "twilio-bulkexports@1.0.0"
UPLOAD_LIMIT_MB = "1"


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Return the environment of an `apiassist` subprocess on this data directory (this checkout's code)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("APIASSIST_")}
    return env | {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "APIASSIST_DATA_DIR": str(data_dir),
                  "APIASSIST_LLM_PROVIDER": "offline", "APIASSIST_MAX_UPLOAD_MB": UPLOAD_LIMIT_MB} | extra


def apiassist(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess and return the finished process."""
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=cli_env(data_dir, **env), cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@dataclass(frozen=True)
class Library:
    """A data directory with one indexed API, its keys by scope, and a copy for a second process."""

    data_dir: Path
    copy_dir: Path
    keys: dict[str, str]


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """Index one small spec and create a read, a write and an admin key, all through the CLI."""
    root = tmp_path_factory.mktemp("api")
    data = root / "data"
    done = apiassist(data, "index", str(shared(*INDEXED_SPEC)))
    assert done.returncode == 0, done.stderr
    keys = {}
    for scope in ("read", "write", "admin"):
        made = apiassist(data, "keys", "create", "--name", f"test-{scope}", "--scope", scope, "--json")
        assert made.returncode == 0, made.stderr
        keys[scope] = json.loads(made.stdout)["key"]
    # A second process (the stdio MCP server) gets its own copy, taken before the server opens the store.
    shutil.copytree(data, root / "copy")
    return Library(data, root / "copy", keys)


@dataclass(frozen=True)
class Server:
    """A running `apiassist serve`."""

    url: str
    library: Library

    def client(self, scope: str | None = "read", headers: dict[str, str] | None = None) -> httpx.Client:
        """Return an httpx client sending the key of `scope` (None: no key) and any extra headers."""
        auth = {"Authorization": f"Bearer {self.library.keys[scope]}"} if scope else {}
        return httpx.Client(base_url=self.url, headers=auth | (headers or {}), timeout=120)


@pytest.fixture(scope="session")
def server(library: Library) -> Iterator[Server]:
    """Start `apiassist serve` on a free loopback port, warm the model with one search, stop it at the end."""
    port = free_port()
    log = library.data_dir.parent / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=cli_env(library.data_dir, APIASSIST_API_RATE_LIMIT_BURST="1000"), cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        assert wait_until_healthy(proc, f"http://127.0.0.1:{port}/healthz", log, 120), log.read_text()[-2000:]
        srv = Server(f"http://127.0.0.1:{port}", library)
        with srv.client() as client:
            assert client.post("/api/v1/search", json={"query": "warm up"}).status_code == 200
        yield srv
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def serve_log(server: Server) -> Path:
    """Return the path of the server's log."""
    return server.library.data_dir.parent / "serve.log"
