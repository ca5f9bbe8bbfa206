"""Concurrent writers across processes: eight `apiassist index` runs into one data directory lose nothing,
and `remove` and a backup never wait for an embedding ingest.

The processes are held at the end of their embedding step (APIASSIST_DEBUG_PAUSE_AT=embedding), so all of
them have chosen an id and checked for duplicates before any commits: the race is forced, not hoped for.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from tests.ops import backup_harness as h
from tests.ops import pause_harness as p

# the eight smallest Twilio files with operations that still share titles in three pairs, so that
# concurrent runs must give colliding titles distinct ids
EIGHT = ["twilio_verify_v3.json", "twilio_insights_v2.json", "twilio_messaging_v3.json", "twilio_messaging_v2.json",
         "twilio_pricing_v1.json", "twilio_pricing_v2.json", "twilio_iam_scim.json", "twilio_chat_v3.json"]


def _release_together(runs: list[p.Paused]) -> list[tuple[int, str, str]]:
    for run in runs:
        run.wait_paused()
    for run in runs:  # every process has embedded; now all of them commit at once
        run.marker.unlink()
    return [(run.proc.wait(timeout=900), *run.proc.communicate()) for run in runs]


def test_eight_concurrent_index_runs_keep_all_eight_apis(tmp_path: Path) -> None:
    h.need_specs()
    data = tmp_path / "data"
    runs = [p.start_cli(data, "embedding", tmp_path / f"paused-{n}", "index", str(h.TWILIO_DIR / name))
            for n, name in enumerate(EIGHT)]
    results = _release_together(runs)
    assert all(code == 0 for code, _, _ in results), [err[-800:] for _, _, err in results]

    listing = p.assert_list_and_stats_agree(data)
    assert sorted(a["source"] for a in listing) == sorted(EIGHT)
    ids = [a["api"] for a in listing]
    assert len(set(ids)) == 8
    printed = {out.strip().rsplit("[", 1)[-1].rstrip("]") for _, out, _ in results}
    assert printed == set(ids)  # what each run reported is what the library holds
    for api in ids:  # every API's vectors are in the index, not only its catalogue row
        hits = json.loads(h.cli(data, "search", "list resources", "--api", api, "--json").stdout)["hits"]
        assert hits and {hit["api"] for hit in hits} == {api}


def test_the_same_file_indexed_twice_at_once_is_stored_once(tmp_path: Path) -> None:
    h.need_specs()
    data = tmp_path / "data"
    runs = [p.start_cli(data, "embedding", tmp_path / f"paused-{n}", "index", str(h.SPEC_A)) for n in range(2)]
    results = _release_together(runs)
    assert [code for code, _, _ in results] == [0, 0]
    assert sum("(unchanged)" in out for _, out, _ in results) == 1
    listing = p.assert_list_and_stats_agree(data)
    assert [a["source"] for a in listing] == [h.SPEC_A.name]


@pytest.fixture
def library_with_one_api(tmp_path: Path) -> Path:
    h.need_specs()
    data = tmp_path / "data"
    h.cli(data, "index", str(h.SPEC_A))
    return data


def test_remove_and_backup_finish_while_another_process_is_embedding(library_with_one_api: Path, tmp_path: Path) -> None:
    data = library_with_one_api
    old = h.listing(data)[0]["api"]
    embedding = p.start_cli(data, "embedding", tmp_path / "paused", "index", str(h.SPEC_B))
    embedding.wait_paused()

    assert h.cli(data, "remove", old).returncode == 0
    archive = h.backup(data, tmp_path / "backups")
    # both are done while the indexer still sits inside its embedding step
    assert embedding.proc.poll() is None and embedding.marker.exists()
    assert not list((tmp_path / "backups").glob(".backup-*"))
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("apiassist-backup/manifest.json"))
    assert manifest["apis"] == [] and manifest["index_records"] == 0

    code, out, err = embedding.resume()
    assert code == 0, err
    assert [a["source"] for a in p.assert_list_and_stats_agree(data)] == [h.SPEC_B.name]
