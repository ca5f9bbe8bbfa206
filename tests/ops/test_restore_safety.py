"""Restore is exclusive and never loses the live library; every malformed manifest is one sentence.

Includes the reported case: two restores started moments apart, where the second used to fail on
the rename to ``<dir>.previous-<time>`` and its cleanup deleted the library live just before.
"""

from __future__ import annotations

import io
import json
import shutil
import signal
import tarfile
from pathlib import Path

import pytest

from tests.ops import backup_harness as h
from tests.ops import pause_harness as p


def _restore_cmd(data: Path, archive: Path) -> list[str]:
    return ["bash", str(h.RESTORE), "--data-dir", str(data), "--yes", str(archive)]


@pytest.mark.parametrize("step", ["restore_checked", "restore_swapped"])
def test_a_second_restore_is_refused_while_one_runs_and_the_first_completes(library: dict, tmp_path: Path,
                                                                           step: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    first = p.start(_restore_cmd(data, library["archive"]), step, tmp_path / "paused")
    first.wait_paused()

    for second in (_restore_cmd(data, library["archive"])[2:], ["--data-dir", str(data), "--rollback"]):
        proc = h.script(h.RESTORE, *second)
        assert proc.returncode == 1
        assert proc.stderr.strip() == (f"error: Another restore or rollback is running in {tmp_path}; wait for it "
                                       "to finish, then check the library with `apiassist list` before restoring again.")
    code, out, err = first.resume()
    assert code == 0, err
    assert "Restored 1 APIs" in out
    assert h.listing(data) == library["list"]
    assert len(list(tmp_path.glob("data.previous-*"))) == 1 and not list(tmp_path.glob(".data.restore-*"))


def test_back_to_back_restores_keep_every_replaced_library(library: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    for _ in range(3):
        proc = h.script(h.RESTORE, "--data-dir", str(data), "--yes", str(library["archive"]))
        assert proc.returncode == 0, proc.stderr
    previous = sorted(tmp_path.glob("data.previous-*"))
    assert len(previous) == 3 and all((folder / "app.db").is_file() for folder in previous)
    assert h.listing(data) == library["list"]


def test_a_swap_that_cannot_keep_the_replaced_library_leaves_the_live_one_in_place(tmp_path: Path) -> None:
    """The reported failure: the name for the replaced library is taken (ENOTEMPTY) after the exchange."""
    import sys

    sys.path.insert(0, str(h.BACKUP.parent))
    import swap

    from src.core.errors import StoreError

    live, new, taken = tmp_path / "data", tmp_path / "incoming", tmp_path / "data.previous-x"
    for folder, content in ((live, b"live"), (new, b"restored"), (taken, b"older")):
        folder.mkdir()
        (folder / "app.db").write_bytes(content)
    with pytest.raises(StoreError, match="the live library was not changed"):
        swap._exchange_into(new, live, taken)
    assert [(f / "app.db").read_bytes() for f in (live, new, taken)] == [b"live", b"restored", b"older"]


def test_an_interrupted_restore_leaves_no_staging_and_the_library_as_it_was(library: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    h.cli(data, "remove", library["list"][0]["api"])
    paused = p.start(_restore_cmd(data, library["archive"]), "restore_checked", tmp_path / "paused")
    paused.wait_paused()
    paused.kill(signal.SIGKILL)
    assert list(tmp_path.glob(".data.restore-*"))  # what the crash left
    assert h.listing(data) == []  # the live library is as it was; the next command tidies up
    assert not list(tmp_path.glob(".data.restore-*"))
    kept = list(tmp_path.glob("data.previous-*"))  # a staged library is set aside, never deleted
    assert len(kept) == 1 and (kept[0] / "app.db").is_file()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_backup_leaves_no_work_folder(library: dict, tmp_path: Path, signum: int) -> None:
    dest = tmp_path / "backups"
    paused = p.start(["bash", str(h.BACKUP), "--data-dir", str(library["data"]), "--dest", str(dest)],
                     "backup_copied", tmp_path / "paused")
    paused.wait_paused()
    assert list(dest.glob(".backup-*"))
    paused.kill(signum)
    assert paused.proc.returncode != 0
    assert list(dest.iterdir()) == []


def test_the_next_backup_removes_what_a_killed_one_left(library: dict, tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    paused = p.start(["bash", str(h.BACKUP), "--data-dir", str(library["data"]), "--dest", str(dest)],
                     "backup_copied", tmp_path / "paused")
    paused.wait_paused()
    paused.kill(signal.SIGKILL)
    assert list(dest.glob(".backup-*"))
    archive = h.backup(library["data"], dest)
    assert list(dest.iterdir()) == [archive]


def _with_manifest(archive: Path, target: Path, payload: bytes) -> Path:
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("/manifest.json"):
                data = payload
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def _edit(change):
    def make(manifest: dict) -> bytes:
        change(manifest)
        return json.dumps(manifest).encode()
    return make


MALFORMED = {
    "no totals": (_edit(lambda m: m.pop("totals")), "its manifest has no totals"),
    "totals a string": (_edit(lambda m: m.update(totals="3")), "its manifest field totals is wrong"),
    "count as text": (_edit(lambda m: m["totals"].update(apis="1")), "its manifest field totals.apis is wrong"),
    "count as bool": (_edit(lambda m: m["apis"][0].update(chunks=True)), "its manifest field apis[0].chunks is wrong"),
    "no files": (_edit(lambda m: m.pop("files")), "its manifest has no files"),
    "files a list": (_edit(lambda m: m.update(files=[])), "its manifest field files is wrong"),
    "apis not a list": (_edit(lambda m: m.update(apis={"a": 1})), "its manifest field apis is wrong"),
    "api without chunks": (_edit(lambda m: m["apis"][0].pop("chunks")), "its manifest has no apis[0].chunks"),
    "no created_at": (_edit(lambda m: m.pop("created_at")), "its manifest has no created_at"),
    "format_version text": (_edit(lambda m: m.update(format_version="1")), "its manifest field format_version is wrong"),
    "unknown mode": (_edit(lambda m: m.update(mode="cloud")), "its manifest field mode is wrong"),
    "totals do not add up": (_edit(lambda m: m["totals"].update(apis=5)), "its totals do not add up"),
    "escaping file name": (_edit(lambda m: m["files"].update({"../x": "0" * 64})), "is not a relative path"),
    "not JSON": (lambda m: b"{not json", "its manifest is not readable JSON"),
    "not UTF-8": (lambda m: b"\xff\xfe{}", "its manifest is not readable JSON"),
    "deeply nested": (lambda m: b"[" * 100_000 + b"]" * 100_000, "its manifest is not readable JSON"),
    "a list": (lambda m: b"[]", "its manifest is not an apiassist backup manifest"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_manifest_is_one_sentence_and_data_is_intact(library: dict, tmp_path: Path, case: str) -> None:
    make, expected = MALFORMED[case]
    with tarfile.open(library["archive"]) as tar:
        manifest = json.load(tar.extractfile("apiassist-backup/manifest.json"))
    bad = _with_manifest(library["archive"], tmp_path / "bad.tar.gz", make(manifest))
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    before = h.tree_digest(data)

    proc = h.script(h.RESTORE, "--data-dir", str(data), "--yes", str(bad))
    message = proc.stderr.strip()
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert message.count("\n") == 0 and "is not a usable apiassist backup" in message and expected in message, message
    assert h.tree_digest(data) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["bad.tar.gz", "data"]


def test_the_start_up_check_removes_what_a_killed_backup_left(library: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    dest = tmp_path / "backups"
    paused = p.start(["bash", str(h.BACKUP), "--data-dir", str(data), "--dest", str(dest)],
                     "backup_copied", tmp_path / "paused")
    paused.wait_paused()
    paused.kill(signal.SIGKILL)
    [work] = dest.glob(".backup-*")
    report = json.loads(h.cli(data, "health", "--json").stdout)["library"]
    assert f"Removed the work folder {work} of an interrupted backup." in report["repaired"]
    assert list(dest.iterdir()) == []
