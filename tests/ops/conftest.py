"""Fixtures of the operations tests: a real ChromaDB server process on a free loopback port."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops import backup_harness as h
from tests.ops.helpers import free_port, tool
from tests.serving import wait_until_healthy


def _wait_for_heartbeat(proc: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    if not wait_until_healthy(proc, f"http://127.0.0.1:{port}/api/v2/heartbeat", log, timeout):
        raise RuntimeError(f"chroma run did not answer on port {port} within {timeout}s: {log.read_text()[-2000:]}")


@pytest.fixture
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """Start `chroma run` on 127.0.0.1 with its own empty data folder; yield (host, port); stop it."""
    chroma = tool("chroma")
    assert chroma, "the chroma CLI (shipped with the chromadb package) is not installed"
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen([chroma, "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_for_heartbeat(proc, port, log)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One data directory with SPEC_A indexed, its search results and one backup of it."""
    h.need_specs()
    root = tmp_path_factory.mktemp("library")
    data = root / "data"
    h.cli(data, "index", str(h.SPEC_A))
    archive = h.backup(data, root / "backups")
    return {"root": root, "data": data, "archive": archive, "hits": h.search(data, h.QUERY), "list": h.listing(data)}
