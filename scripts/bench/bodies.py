"""Request bodies: the share of generated bodies that validate against their operation's request schema.

Parses every OpenAPI/Swagger spec under ``../shared/data/specs`` (no embedding), builds the body each
operation's code samples send and validates it with jsonschema against the raw spec's request schema.
Postman collections have no request schema and are left out.

    .venv/bin/python scripts/bench/bodies.py [--failures]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, print_table  # noqa: E402

from tests.planning.test_bodies_validate import SPEC_FILES, checked_bodies  # noqa: E402


def main() -> None:
    """Print per spec: bodies checked, bodies valid, share; optionally the invalid ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list the bodies that do not validate")
    args = parser.parse_args()
    rows, total, bad, listing = [], 0, 0, []
    for name in SPEC_FILES:
        checked, failures = checked_bodies(SHARED / name)
        total, bad = total + checked, bad + len(failures)
        if checked:
            rows.append([name, checked, checked - len(failures), f"{(checked - len(failures)) / checked:.3f}"])
        listing += [f"{name}: {f}" for f in failures]
    rows.append(["all", total, total - bad, f"{(total - bad) / max(total, 1):.3f}"])
    print_table(["spec", "bodies", "valid", "share"], rows)
    if args.failures:
        print("\n".join(listing))


if __name__ == "__main__":
    main()
