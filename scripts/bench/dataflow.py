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
from src.rag.planning.graph import FlowInput, build_graph  # noqa: E402
from src.rag.planning.names import ATTRIBUTES, is_id_like  # noqa: E402
from src.rag.textutil import split_identifier  # noqa: E402

DO_ROOT = "specification/DigitalOcean-public.v2.yaml"


def shared_spec_files() -> list[tuple[Path, str | None]]:
    """Return every shared spec file with the root to use inside archives."""
    files = sorted(p for folder in ("specs", "postman") for p in (SHARED / folder).rglob("*")
                   if p.suffix in {".json", ".yaml", ".yml", ".gz"} and "LICENSE" not in p.name)
    return [(p, DO_ROOT if p.name.endswith(".tar.gz") else None) for p in files]


def is_identifier(inp: FlowInput) -> bool:
    """Tell whether an input names a resource (a path parameter or an ``…_id``-style field), not a plain value."""
    words = split_identifier(inp.name)
    return inp.location == "path" or bool(words) and words[-1] in ATTRIBUTES and is_id_like(ATTRIBUTES[words[-1]])


def coverage(path: Path, root: str | None) -> tuple[int, int, int, int, list[str]]:
    """Return (required inputs, with a producer, identifier inputs, identifiers with a producer, unproduced)."""
    graph = build_graph(parse_path(path, root=root))
    total = found = ids = ids_found = 0
    missing = []
    for key, node in graph.operations.items():
        for inp in node.inputs:
            produced = bool(graph.producers(key, inp.name))
            total, found = total + 1, found + produced
            if is_identifier(inp):
                ids, ids_found = ids + 1, ids_found + produced
            if not produced:
                missing.append(f"{key}: {inp.name} ({inp.location})")
    return total, found, ids, ids_found, missing


def _row(total: int, found: int, ids: int, ids_found: int) -> list[object]:
    share = (lambda a, b: f"{a / b:.3f}" if b else "-")
    return [total, found, share(found, total), ids, ids_found, share(ids_found, ids)]


def main() -> None:
    """Print coverage per spec and overall, then the unproduced inputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print only the table, not the unproduced inputs")
    args = parser.parse_args()
    rows, unproduced, sums = [], {}, [0, 0, 0, 0]
    for path, root in shared_spec_files():
        *counts, missing = coverage(path, root)
        sums = [a + b for a, b in zip(sums, counts)]
        name = str(path.relative_to(SHARED))
        rows.append([name, *_row(*counts)])
        unproduced[name] = missing
    rows.append(["all shared specs", *_row(*sums)])
    print_table(["spec", "required inputs", "with a producer", "share", "identifiers", "with a producer", "share"], rows)
    if not args.quiet:
        for name, missing in unproduced.items():
            if missing:
                print(f"\n## {name}: {len(missing)} without a producer")
                print("\n".join(f"- {m}" for m in missing))


if __name__ == "__main__":
    main()
