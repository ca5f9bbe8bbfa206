"""What the write path costs other writers: `remove` and a backup during an embedding ingest, and the start-up check.

    nice -n 10 .venv/bin/python scripts/bench/consistency.py

1. Index twilio_oauth_v1.json, then start `apiassist index kubernetes_swagger.json` (1,896 chunks) in
   another process held at the end of its embedding (APIASSIST_DEBUG_PAUSE_AT=embedding); time
   `apiassist remove` and `backup.sh` while it waits there, against the same CLI commands on an idle
   library. Let it go and time its commit.
2. The start-up check on that library (cheap form) and the full check `health` runs (reads every
   chunk's API), as a ratio to one `list` query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, SHARED, print_table, write_json  # noqa: E402

CLI = [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
SMALL = SHARED / "specs" / "twilio" / "twilio_oauth_v1.json"
BIG = SHARED / "specs" / "kubernetes_swagger.json"


def _env(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("APIASSIST_")} | {
        "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), "PYTHON": sys.executable} | extra


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, env=_env(), cwd=REPO)
    return time.perf_counter() - started


def _remove_and_backup(data: Path, dest: Path) -> tuple[float, float]:
    api = json.loads(subprocess.run([*CLI, "--data-dir", str(data), "list", "--json"], check=True, capture_output=True,
                                    env=_env(), cwd=REPO).stdout)[0]["api"]
    backup = _timed(["bash", str(REPO / "scripts/backup/backup.sh"), "--data-dir", str(data), "--dest", str(dest)])
    return _timed([*CLI, "--data-dir", str(data), "remove", api]), backup


def _check_ms(data: Path) -> tuple[float, float, float, int]:
    from src.core.config import Settings
    from src.rag.service import Assistant

    assistant = Assistant(Settings(data_dir=data))
    chunks = assistant.store.count()  # open the index first: the check's cost, not Chroma's start-up
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        assistant.library.list()
    list_ms = (time.perf_counter() - started) * 1000 / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        assistant.check.run()
    cheap_ms = (time.perf_counter() - started) * 1000 / rounds
    started = time.perf_counter()
    assistant.check.run(scan_index=True)
    return list_ms, cheap_ms, (time.perf_counter() - started) * 1000, chunks


def main() -> int:
    """Print the figures and write bench-results/consistency.json."""
    root = Path(tempfile.mkdtemp(prefix="bench-consistency-"))
    idle, busy = root / "idle", root / "busy"
    for data in (idle, busy):
        subprocess.run([*CLI, "--data-dir", str(data), "index", str(SMALL)], check=True, capture_output=True,
                       env=_env(), cwd=REPO)
    idle_remove, idle_backup = _remove_and_backup(idle, root / "b1")
    marker = root / "paused"
    indexer = subprocess.Popen([*CLI, "--data-dir", str(busy), "index", str(BIG)], env=_env(
        APIASSIST_DEBUG_PAUSE_AT="embedding", APIASSIST_DEBUG_PAUSE_MARKER=str(marker)), cwd=REPO,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.perf_counter()
    while not marker.exists():
        if indexer.poll() is not None:
            raise SystemExit(f"the indexer ended early: {indexer.stderr.read().decode()[-500:]}")
        time.sleep(0.05)
    embed_s = time.perf_counter() - started
    busy_remove, busy_backup = _remove_and_backup(busy, root / "b2")
    started = time.perf_counter()
    marker.unlink()
    indexer.wait()
    commit_s = time.perf_counter() - started
    list_ms, cheap_ms, full_ms, chunks = _check_ms(busy)
    rows = [["remove", f"{idle_remove:.2f} s", f"{busy_remove:.2f} s", f"{busy_remove / idle_remove:.2f}x"],
            ["backup.sh", f"{idle_backup:.2f} s", f"{busy_backup:.2f} s", f"{busy_backup / idle_backup:.2f}x"]]
    print_table(["command", "idle library", "during a 1,896-chunk embed", "ratio"], rows)
    print(f"\nindexer: load + parse + embed {embed_s:.1f} s without the lock; the rest (commit, exit) {commit_s:.1f} s")
    print(f"start-up check {cheap_ms:.2f} ms ({cheap_ms / list_ms:.1f}x one `list` query of {list_ms:.2f} ms); "
          f"full check in health {full_ms:.0f} ms on {chunks:,} chunks")
    write_json("consistency.json", {"idle_remove_s": idle_remove, "busy_remove_s": busy_remove,
                                    "idle_backup_s": idle_backup, "busy_backup_s": busy_backup, "embed_s": embed_s,
                                    "commit_s": commit_s, "list_ms": list_ms, "check_ms": cheap_ms,
                                    "full_check_ms": full_ms})
    return 0


if __name__ == "__main__":
    sys.exit(main())
