"""Drive the real CLI and the backup scripts on a data directory in a temporary folder."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ops.helpers import ROOT, TWILIO_DIR

# small real specs with operations (the smallest files of the Twilio set have none)
SPEC_A = TWILIO_DIR / "twilio_oauth_v1.json"
SPEC_B = TWILIO_DIR / "twilio_chat_v3.json"
SPEC_BIG = TWILIO_DIR / "twilio_messaging_v3.json"
QUERY = "create an access token"  # a search the SPEC_A library answers
BACKUP = ROOT / "scripts" / "backup" / "backup.sh"
RESTORE = ROOT / "scripts" / "backup" / "restore.sh"


def need_specs() -> None:
    """Skip when the shared data set is not beside the repository."""
    if not TWILIO_DIR.is_dir():
        pytest.skip(f"the shared Twilio specs are not at {TWILIO_DIR}")


def env(**extra: str) -> dict[str, str]:
    """Return an environment for the CLI: offline model, embedded store, our interpreter."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("APIASSIST_")}
    return base | {"HF_HUB_OFFLINE": "1", "PYTHON": sys.executable} | extra


def cli(data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `apiassist --data-dir DATA ARGS`."""
    proc = subprocess.run([sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())",
                           "--data-dir", str(data), *args], capture_output=True, text=True, env=env(), cwd=ROOT)
    assert not check or proc.returncode == 0, proc.stderr
    return proc


def search(data: Path, query: str) -> list[dict]:
    """Return the hits of `apiassist search QUERY --json`."""
    return json.loads(cli(data, "search", query, "--json").stdout)["hits"]


def listing(data: Path) -> list[dict]:
    """Return `apiassist list --json` without the indexing time."""
    return [{k: v for k, v in a.items() if k != "indexed_at"} for a in json.loads(cli(data, "list", "--json").stdout)]


def script(path: Path, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run backup.sh or restore.sh."""
    return subprocess.run(["bash", str(path), *args], capture_output=True, text=True, env=env(**(extra_env or {})),
                          cwd=ROOT, stdin=subprocess.DEVNULL, timeout=900)


def backup(data: Path, dest: Path, *args: str) -> Path:
    """Run backup.sh and return the archive it printed last."""
    proc = script(BACKUP, "--data-dir", str(data), "--dest", str(dest), *args)
    assert proc.returncode == 0, proc.stderr
    archive = Path(proc.stdout.strip().splitlines()[-1])
    assert archive.is_file()
    return archive


def tree_digest(folder: Path) -> dict[str, str]:
    """Return {relative path: sha256} of every file under a folder."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def wait_until_locked(data: Path, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Wait until another process holds the data directory's write lock."""
    deadline = time.monotonic() + timeout
    lock = data / ".write.lock"
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the indexing process ended before it took the write lock"
        if lock.exists():
            fd = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
            except BlockingIOError:
                return
            finally:
                os.close(fd)
        time.sleep(0.05)
    raise AssertionError("the indexing process never took the write lock")
