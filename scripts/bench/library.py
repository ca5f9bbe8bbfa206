"""Indexed libraries for the benchmarks, built once and reused: keyed on the spec files' hashes and the model.

The user-style set puts all seven real APIs in one team library; each SOCBench-D domain gets its own.
Embedding thousands of operations takes minutes, so a finished library is kept under
``bench-results/index/`` and reopened on the next run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from common import RESULTS, SHARED

from src.core.config import Settings
from src.rag.service import Assistant

USERSTYLE = SHARED / "devset" / "userstyle" / "questions.json"
SOCBENCH = SHARED / "devset" / "socbench_d"


def _key(files: list[Path], model: str) -> str:
    digest = hashlib.blake2b(model.encode(), digest_size=8)
    for f in files:
        digest.update(f.name.encode())
        digest.update(hashlib.blake2b(f.read_bytes(), digest_size=16).digest())
    return digest.hexdigest()


def cached_library(name: str, files: list[Path]) -> tuple[Assistant, dict[str, str]]:
    """Return an Assistant over a library holding `files`, and a map spec file name -> API id."""
    model = Settings().model_path
    data_dir = RESULTS / "index" / f"{name}-{_key(files, model)}"
    manifest = data_dir / "bench-manifest.json"
    assistant = Assistant(Settings(data_dir=data_dir, log_level="WARNING"))
    if manifest.exists():
        return assistant, json.loads(manifest.read_text())
    apis: dict[str, str] = {}
    for f in files:
        report = assistant.index_path(f)
        if not report.ok:
            raise SystemExit(f"{f.name}: indexing failed: {report.error}")
        apis[str(f)] = report.api
        print(f"  indexed {f.name}: {report.operations} operations in {report.seconds:.0f}s", file=sys.stderr, flush=True)
    manifest.write_text(json.dumps(apis, indent=1))
    return assistant, apis


def userstyle_questions() -> list[dict]:
    """Return the user-style questions."""
    return json.loads(USERSTYLE.read_text())


def userstyle_library() -> tuple[Assistant, dict[str, str]]:
    """Return the team library of every spec the user-style questions are about."""
    files = sorted({SHARED / q["spec"] for q in userstyle_questions()})
    return cached_library("userstyle", files)


def socbench_domains(rounds: tuple[int, ...] = ()) -> list[Path]:
    """Return the SOCBench-D domain folders (round/domain) of the given rounds (all when empty), in order."""
    return sorted(d for r in SOCBENCH.iterdir() if r.is_dir() and (not rounds or int(r.name.rsplit("_", 1)[-1]) in rounds)
                  for d in r.iterdir() if d.is_dir())


def parse_rounds(text: str) -> tuple[int, ...]:
    """Parse a comma-separated list of SOCBench-D round numbers ('' means every round)."""
    return tuple(int(r) for r in text.split(",") if r.strip())


def socbench_library(domain: Path) -> tuple[Assistant, dict[str, str]]:
    """Return the library of one SOCBench-D domain's specs."""
    files = sorted(domain.glob("*/openapi.json"))
    return cached_library(f"socbench-{domain.parent.name}-{domain.name[:2]}", files)
