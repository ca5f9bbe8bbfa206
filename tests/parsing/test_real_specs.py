"""Every real OpenAPI/Swagger spec in the shared data parses with exactly the operations it declares."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
import yaml

from src.core.config import Settings
from src.rag.parsing import inspect_path, parse_path
from src.rag.types import SpecFormat
from tests.parsing.conftest import DATA, data_dir, files_under

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SPEC_FILES = [p for p in files_under("specs") if p.suffix in (".json", ".yaml", ".yml")]
# The DigitalOcean archive holds 2,907 files; the limit is raised here so the archive itself is the subject.
DO_SETTINGS = Settings(max_archive_members=5000)


def independent_count(raw: dict) -> int:
    """Count methods under `paths` and `webhooks` straight from the raw document."""
    total = 0
    for section in ("paths", "webhooks"):
        for item in (raw.get(section) or {}).values():
            total += sum(1 for k in item if k in HTTP_METHODS)
    return total


def load_raw(path):
    """Load a spec file with the standard libraries only."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_each_spec_file_parses_with_all_operations(path):
    raw = load_raw(path)
    report = inspect_path(path)
    assert report.ok, report.error
    assert report.operations == independent_count(raw)
    assert report.format in {f.value for f in SpecFormat}


def test_readme_figures_for_the_big_specs():
    data_dir("specs")
    assert inspect_path(DATA / "specs" / "kubernetes_swagger.json").operations == 1123
    assert inspect_path(DATA / "specs" / "stripe_spec3_2022-04.json").operations == 417


def test_twilio_has_55_files():
    assert len([p for p in SPEC_FILES if p.parent.name == "twilio"]) == 55 or not SPEC_FILES


def test_digitalocean_archive_parses_from_its_root():
    archive = data_dir("specs") / "digitalocean_specification.tar.gz"
    with tarfile.open(archive) as tar:
        root = tar.extractfile("specification/DigitalOcean-public.v2.yaml").read()
    expected = independent_count(yaml.load(io.BytesIO(root), Loader=yaml.CSafeLoader))
    spec = parse_path(archive, settings=DO_SETTINGS)
    assert len(spec.operations) == expected > 600
    named = parse_path(archive, settings=DO_SETTINGS, root="specification/DigitalOcean-public.v2.yaml")
    assert [o.key for o in named.operations] == [o.key for o in spec.operations]
    assert spec.servers == ("https://api.digitalocean.com",)
    assert not any("could not be resolved" in w for w in spec.warnings), spec.warnings


def test_stripe_refund_operation_is_complete():
    spec = parse_path(data_dir("specs") / "stripe_spec3_2022-04.json")
    op = spec.operation("POST /v1/refunds")
    assert op is not None and op.pointer == "#/paths/~1v1~1refunds/post"
    assert spec.servers == ("https://api.stripe.com",)
    assert op.request_body.content_type == "application/x-www-form-urlencoded"
    assert {"charge", "amount", "reason"} <= {f.name for f in op.request_body.fields}
    assert set(op.security) == {"basicAuth", "bearerAuth"}
    assert any(r.status == "200" and r.fields for r in op.responses)
    assert len({o.key for o in spec.operations}) == len(spec.operations)


def test_kubernetes_swagger_body_and_path_params():
    spec = parse_path(data_dir("specs") / "kubernetes_swagger.json")
    op = spec.operation("POST /api/v1/namespaces/{namespace}/pods")
    assert op is not None
    names = {(p.name, p.location) for p in op.parameters}
    assert ("namespace", "path") in names and ("pretty", "query") in names
    assert op.request_body is not None and op.request_body.schema_name == "io.k8s.api.core.v1.Pod"
    assert any(f.name == "spec.containers" for f in op.request_body.fields)
    assert any(s.pointer == "#/definitions/io.k8s.api.core.v1.Pod" for s in spec.schemas)
