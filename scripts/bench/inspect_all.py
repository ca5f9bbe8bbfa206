"""Inspect every shared spec (specs, postman, graphql) and print per-file and total parse times.

Usage: python scripts/bench/inspect_all.py [DATA_DIR]   (default: ../shared/data next to the repository)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from src.core.config import Settings  # noqa: E402
from src.core.logging import configure_logging  # noqa: E402
from src.rag.parsing import inspect_path  # noqa: E402


def main() -> int:
    """Inspect all files and print a table of timings; exit 1 if any file failed."""
    configure_logging(level="WARNING")
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".." / "shared" / "data"
    files = sorted(p for sub in ("specs", "postman", "graphql") for p in (data / sub).rglob("*") if p.is_file())
    if not files:
        print(f"no files under {data}; pass the data folder as the first argument")
        return 1
    settings = Settings(max_archive_members=5000)
    started = time.perf_counter()
    failed = 0
    for path in files:
        t0 = time.perf_counter()
        report = inspect_path(path, settings=settings)
        took = time.perf_counter() - t0
        failed += not report.ok
        status = f"{report.format:12} {report.operations:5} ops {report.schemas:5} schemas" if report.ok else f"FAILED {report.error}"
        print(f"{took:7.3f}s  {path.relative_to(data)!s:55} {status}")
    total = time.perf_counter() - started
    print(f"{total:7.3f}s  total for {len(files)} files, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
