"""`kill -9` of a real `apiassist index` at each commit step: afterwards `list`, `stats` and `remove` agree.

Each test pauses the real CLI at one named step (APIASSIST_DEBUG_PAUSE_AT) and SIGKILLs it there,
then opens the library with fresh CLI processes, as a user would after a crash.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from src.rag.commit import COMMIT_STEPS
from tests.ops import backup_harness as h
from tests.ops import pause_harness as p

SPEC_NEW = h.SPEC_B  # an API the library does not hold yet


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A library holding SPEC_A, with its listing, search results and originals digest."""
    h.need_specs()
    data = tmp_path_factory.mktemp("crash") / "data"
    h.cli(data, "index", str(h.SPEC_A))
    return {"data": data, "list": h.listing(data), "hits": h.search(data, h.QUERY),
            "originals": h.tree_digest(data / "originals")}


def _changed_spec_a(folder: Path) -> Path:
    """SPEC_A under its own name with one operation gone and another reworded: a re-index that changes chunks."""
    spec = json.loads(h.SPEC_A.read_text())
    del spec["paths"]["/v1/authorize"]
    spec["paths"]["/v1/token"]["post"]["description"] = "Exchange a grant for a fresh access token (reworded)."
    target = folder / h.SPEC_A.name
    target.write_text(json.dumps(spec))
    return target


def _crash_at(data: Path, step: str, spec: Path, tmp_path: Path) -> None:
    paused = p.start_cli(data, step, tmp_path / "paused", "index", str(spec))
    paused.wait_paused()
    paused.kill()


def _entries(data: Path) -> set[str]:
    return {e.name for e in (data / "originals").iterdir()}


def _remove_everything(data: Path, listing: list[dict]) -> None:
    """`remove` takes every API `list` shows, and then `stats` counts nothing."""
    for api in listing:
        assert h.cli(data, "remove", api["api"]).stdout.strip() == f"Removed {api['api']} ({api['chunks']} chunks)."
    assert p.stats(data)["chunks"] == 0 and _entries(data) == set()


@pytest.mark.parametrize("step", COMMIT_STEPS)
def test_kill_while_adding_an_api_leaves_no_orphans(base: dict, tmp_path: Path, step: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(base["data"], data)
    _crash_at(data, step, SPEC_NEW, tmp_path)

    listing = p.assert_list_and_stats_agree(data)  # the first command after the crash repairs it
    apis = {a["api"] for a in listing}
    assert not [e for e in _entries(data) if e.startswith(".")]
    assert _entries(data) == apis
    if step == "catalogue":  # the row was saved: the API is complete
        assert apis == {base["list"][0]["api"], "twilio-chat@1.0.0"}
    else:
        assert listing == base["list"]
        proc = h.cli(data, "remove", "twilio-chat@1.0.0", check=False)
        assert proc.returncode == 1 and "There is no API 'twilio-chat@1.0.0'" in proc.stderr
        repairs = json.loads(h.cli(data, "health", "--json").stdout)["library"]["recent_repairs"]
        assert any("twilio-chat@1.0.0" in r["action"] for r in repairs), repairs
    _remove_everything(data, listing)


@pytest.mark.parametrize("step", COMMIT_STEPS)
def test_kill_while_reindexing_a_changed_api_puts_it_back(base: dict, tmp_path: Path, step: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(base["data"], data)
    _crash_at(data, step, _changed_spec_a(tmp_path), tmp_path)

    listing = p.assert_list_and_stats_agree(data)
    assert not [e for e in _entries(data) if e.startswith(".")]
    if step == "catalogue":
        assert [a["operations"] for a in listing] == [1]
    else:  # undone: chunks, vectors and files exactly as before the re-index
        assert listing == base["list"]
        assert h.search(data, h.QUERY) == base["hits"]
        assert h.tree_digest(data / "originals") == base["originals"]
    _remove_everything(data, listing)


def test_kill_during_remove_is_finished_by_the_next_command(base: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(base["data"], data)
    api = base["list"][0]["api"]
    paused = p.start_cli(data, "removing", tmp_path / "paused", "remove", api)
    paused.wait_paused()
    paused.kill()
    assert p.assert_list_and_stats_agree(data) == []
    assert p.stats(data)["chunks"] == 0 and _entries(data) == set()


def _lose_catalogue_row(base: dict, tmp_path: Path, keep_files: bool) -> tuple[Path, dict]:
    """What a crash of a release without the write journal could leave: chunks (and files) with no row."""
    import sqlite3

    data = tmp_path / "data"
    shutil.copytree(base["data"], data)
    api = base["list"][0]
    with sqlite3.connect(data / "app.db") as conn:
        conn.execute("DELETE FROM apis WHERE api = ?", (api["api"],))
    if not keep_files:
        shutil.rmtree(data / "originals" / api["api"])
    return data, api


@pytest.mark.parametrize("keep_files", [True, False])
def test_remove_takes_chunks_and_files_that_have_no_catalogue_row(base: dict, tmp_path: Path, keep_files: bool) -> None:
    data, api = _lose_catalogue_row(base, tmp_path, keep_files)
    if not keep_files:  # nothing tells the cheap check of these chunks: `stats` counts them, `list` does not
        assert p.stats(data)["chunks"] == api["chunks"] and h.listing(data) == []
    assert h.cli(data, "remove", api["api"]).stdout.strip() == f"Removed {api['api']} ({api['chunks']} chunks)."
    assert p.stats(data)["chunks"] == 0 and _entries(data) == set()


def test_health_removes_orphan_chunks_that_no_folder_or_journal_tells_of(base: dict, tmp_path: Path) -> None:
    data, api = _lose_catalogue_row(base, tmp_path, keep_files=False)
    assert p.stats(data)["chunks"] > 0 and h.listing(data) == []
    report = json.loads(h.cli(data, "health", "--json").stdout)["library"]
    assert report["ok"] and any(api["api"] in r and "no catalogue row" in r for r in report["repaired"]), report
    assert p.assert_list_and_stats_agree(data) == [] and p.stats(data)["chunks"] == 0
