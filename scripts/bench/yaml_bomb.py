"""Peak memory (RSS) and time of `apiassist inspect` and `index` on the 11 KB YAML alias bomb, against a tiny spec.

Each run is a fresh CLI process, so its peak RSS is its own. Figures are printed, never asserted.

Usage: python scripts/bench/yaml_bomb.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, print_table  # noqa: E402

from tests.parsing.hostile_specs import many_operations_spec, yaml_bomb  # noqa: E402

TINY = "openapi: 3.0.0\ninfo: {title: Tiny, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n"


def peak_run(*args: str) -> tuple[float, float, int]:
    """Run the CLI once; return (peak RSS in MB, seconds, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, time.perf_counter() - started, proc.returncode


def main() -> int:
    """Print peak RSS per case and its ratio to the tiny spec's run of the same command."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {"tiny spec": folder / "tiny.yaml", "YAML bomb x10 (11 KB)": folder / "bomb10.yaml",
                 "YAML bomb x100 (11 KB)": folder / "bomb100.yaml", "1,000,000 operations (22 MB)": folder / "many.json"}
        files["tiny spec"].write_text(TINY)
        files["YAML bomb x10 (11 KB)"].write_text(yaml_bomb(10))
        files["YAML bomb x100 (11 KB)"].write_text(yaml_bomb(100))
        files["1,000,000 operations (22 MB)"].write_bytes(many_operations_spec(1_000_000))
        rows, base = [], {}
        for command in ("inspect", "index"):
            for label, path in files.items():
                if command == "index" and label == "tiny spec":
                    continue  # indexing a real spec loads the model; the bombs are refused before that
                rss, seconds, code = peak_run("--data-dir", str(folder / "data"), command, str(path))
                base.setdefault(command, rss)
                rows.append([command, label, f"{rss:.0f}", f"{rss / base['inspect']:.2f}", f"{seconds:.1f}",
                             "refused" if code else "ok"])
        print_table(["command", "input", "peak RSS MB", "x tiny inspect", "seconds", "outcome"], rows)
        data_files = sorted(p.relative_to(folder / "data").as_posix() for p in (folder / "data").rglob("*") if p.is_file()) \
            if (folder / "data").exists() else []
        print(f"originals written by the refused runs: {[p for p in data_files if p.startswith('originals/')] or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
