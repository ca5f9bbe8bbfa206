"""Indexing the 11 KB YAML alias bomb or a 1,000,000-operation spec is refused in one sentence and leaves the library as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from src.core.config import Settings
from src.rag.service import Assistant
from tests.conftest import REPO
from tests.parsing.hostile_specs import many_operations_spec, yaml_bomb

KEEPER = {"openapi": "3.0.0", "info": {"title": "Keeper", "version": "1"},
          "paths": {"/keep": {"get": {"summary": "Keep me", "responses": {"200": {"description": "ok"}}}}}}


def library_state(data) -> tuple:
    """Return the catalogue (rows and version), the chunk count and every stored file with its checksum."""
    assistant = Assistant(Settings(data_dir=data, llm_provider="offline"))
    files = {p.relative_to(data).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in (data / "originals").rglob("*") if p.is_file()}
    return [a.to_json() for a in assistant.list_apis()], assistant.library.version(), assistant.store.count(), files


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A library holding one small API, plus the two hostile files; returns (data dir, files)."""
    root = tmp_path_factory.mktemp("bounds")
    data = root / "data"
    keeper = Assistant(Settings(data_dir=data, llm_provider="offline")).index_upload("keeper.json", json.dumps(KEEPER).encode())
    assert keeper.ok, keeper.error
    bomb, many = root / "bomb.yaml", root / "many.json"
    bomb.write_text(yaml_bomb())
    many.write_bytes(many_operations_spec(1_000_000))
    return data, {"bomb": bomb, "many": many}


@pytest.mark.parametrize("kind,setting", [("bomb", "APIASSIST_MAX_SPEC_EXPANDED_MB"),
                                          ("many", "APIASSIST_MAX_SPEC_OPERATIONS")])
def test_index_refuses_in_one_sentence_and_changes_nothing(library, kind, setting):
    data, files = library
    before = library_state(data)
    assert before[0][0]["title"] == "Keeper" and before[2] > 0 and any(f.endswith("spec.json") for f in before[3])
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(data), "index", str(files[kind])],
                          capture_output=True, text=True, cwd=REPO, timeout=600, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and lines[0].startswith(f"failed: {files[kind].name}:")
    assert setting in lines[0] and lines[0].endswith("raise that setting.") and "Traceback" not in proc.stderr
    assert library_state(data) == before
    assert not [p for p in (data / "originals").iterdir() if p.name.startswith(".")]  # no staging left behind


@pytest.mark.parametrize("kind", ["bomb", "many"])
def test_inspect_refuses_too(library, kind):
    data, files = library
    proc = subprocess.run([sys.executable, "-m", "app.cli", "inspect", str(files[kind]), "--json"],
                          capture_output=True, text=True, cwd=REPO, timeout=600, env=os.environ | {"HF_HUB_OFFLINE": "1"})
    report = json.loads(proc.stdout)[0]
    assert proc.returncode == 1 and report["ok"] is False and "raise that setting." in report["error"]
