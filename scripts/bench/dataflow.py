"""Data-flow coverage: how many required inputs of the shared specs' operations find a producer.

Parses every spec under ``../shared/data/specs`` and ``../shared/data/postman`` (no embedding), builds
each API's data-flow graph and prints, per spec, the required inputs and the share that some other
operation's response produces; then the inputs that found no producer, by spec.

    .venv/bin/python scripts/bench/dataflow.py [--quiet]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, print_table  # noqa: E402

from src.rag.parsing import parse_path  # noqa: E402
from src.rag.planning.graph import build_graph  # noqa: E402

DO_ROOT = "specification/DigitalOcean-public.v2.yaml"


def shared_spec_files() -> list[tuple[Path, str | None]]:
    """Return every shared spec file with the root to use inside archives."""
    files = sorted(p for folder in ("specs", "postman") for p in (SHARED / folder).rglob("*")
                   if p.suffix in {".json", ".yaml", ".yml", ".gz"} and "LICENSE" not in p.name)
    return [(p, DO_ROOT if p.name.endswith(".tar.gz") else None) for p in files]


def coverage(path: Path, root: str | None) -> tuple[int, int, list[str]]:
    """Return (required inputs, inputs with a producer, the unproduced ones as ``METHOD /path: name``)."""
    graph = build_graph(parse_path(path, root=root))
    total, found, missing = 0, 0, []
    for key, node in graph.operations.items():
        for inp in node.inputs:
            total += 1
            if graph.producers(key, inp.name):
                found += 1
            else:
                missing.append(f"{key}: {inp.name} ({inp.location})")
    return total, found, missing


def main() -> None:
    """Print coverage per spec and overall, then the unproduced inputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print only the table, not the unproduced inputs")
    args = parser.parse_args()
    rows, unproduced, total, found = [], {}, 0, 0
    for path, root in shared_spec_files():
        n, ok, missing = coverage(path, root)
        total, found = total + n, found + ok
        name = str(path.relative_to(SHARED))
        rows.append([name, n, ok, f"{ok / n:.3f}" if n else "-"])
        unproduced[name] = missing
    rows.append(["all shared specs", total, found, f"{found / max(total, 1):.3f}"])
    print_table(["spec", "required inputs", "with a producer", "share"], rows)
    if not args.quiet:
        for name, missing in unproduced.items():
            if missing:
                print(f"\n## {name}: {len(missing)} without a producer")
                print("\n".join(f"- {m}" for m in missing))


if __name__ == "__main__":
    main()
