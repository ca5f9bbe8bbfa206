"""Every generated request body of every operation of every shared spec validates against its request schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from src.rag.codegen.request import BodyKind, build_request
from src.rag.parsing import parse_path
from tests.conftest import SHARED_DATA, shared
from tests.planning.raw_schemas import RawSpec, body_validator

DO_ROOT = "specification/DigitalOcean-public.v2.yaml"
# Postman collections carry example bodies but no request schema, so they cannot be validated here.
SPEC_FILES = sorted(str(p.relative_to(SHARED_DATA)) for p in (SHARED_DATA / "specs").rglob("*")
                    if p.suffix in {".json", ".yaml", ".gz"} and "LICENSE" not in p.name) if SHARED_DATA.exists() else []


def checked_bodies(path: Path) -> tuple[int, list[str]]:
    root = DO_ROOT if path.name.endswith(".tar.gz") else None
    spec, raw = parse_path(path, root=root), RawSpec(path, root)
    checked, failures = 0, []
    for op in spec.operations:
        model = build_request(spec, op)
        if model.body_kind not in (BodyKind.JSON, BodyKind.FORM, BodyKind.MULTIPART) or op.request_body is None:
            continue
        validator = body_validator(raw, op.pointer, model.content_type or op.request_body.content_type)
        if validator is None:
            continue
        checked += 1
        error = next(iter(validator.iter_errors(model.body)), None)
        if error is not None:
            failures.append(f"{op.key}: {error.message[:160]} at {list(error.absolute_path)}")
    return checked, failures


@pytest.mark.parametrize("spec_file", SPEC_FILES)
def test_generated_bodies_validate(spec_file):
    checked, failures = checked_bodies(shared(spec_file))
    assert checked > 0 or "twilio" in spec_file
    assert not failures, f"{len(failures)}/{checked} bodies invalid:\n" + "\n".join(failures[:20])
