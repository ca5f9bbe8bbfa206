"""Backups of a real library: round trip, refusal of bad archives, backups during indexing, retention, upload."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.ops import backup_harness as h
from tests.ops.deploy_harness import make_bin
from tests.ops.pause_harness import start_cli

def test_manifest_describes_the_library_and_every_file(library: dict) -> None:
    with tarfile.open(library["archive"]) as tar:
        manifest = json.load(tar.extractfile("apiassist-backup/manifest.json"))
        names = set(tar.getnames())
    assert manifest["format"] == "apiassist-backup" and manifest["mode"] == "embedded"
    assert manifest["app_version"] and manifest["chromadb_version"] and manifest["created_at"].endswith("Z")
    listed = library["list"][0]
    assert manifest["apis"] == [{k: listed[k] for k in ("api", "title", "version", "format", "operations", "chunks")}]
    assert manifest["index_records"] == listed["chunks"] > 0
    assert {"app.db", "chroma/chroma.sqlite3"} <= set(manifest["files"])
    assert any(name.startswith(f"originals/{listed['api']}/source/") for name in manifest["files"])
    assert {f"apiassist-backup/data/{name}" for name in manifest["files"]} <= names
    assert all(len(digest) == 64 for digest in manifest["files"].values())


def test_restore_brings_back_identical_search_results_and_rollback_undoes_it(library: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    api = library["list"][0]["api"]
    h.cli(data, "remove", api)
    h.cli(data, "index", str(h.SPEC_B))
    changed = h.listing(data)
    assert h.search(data, h.QUERY) != library["hits"]

    proc = h.script(h.RESTORE, "--data-dir", str(data), "--yes", str(library["archive"]))
    assert proc.returncode == 0, proc.stderr
    assert "Restored 1 APIs" in proc.stdout
    assert h.search(data, h.QUERY) == library["hits"]
    assert h.listing(data) == library["list"]
    previous = list(tmp_path.glob("data.previous-*"))
    assert len(previous) == 1 and not list(tmp_path.glob(".data.restore-*"))

    proc = h.script(h.RESTORE, "--data-dir", str(data), "--rollback")
    assert proc.returncode == 0, proc.stderr
    assert h.listing(data) == changed


def test_restore_without_yes_and_without_a_terminal_changes_nothing(library: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    before = h.tree_digest(data)
    proc = h.script(h.RESTORE, "--data-dir", str(data), str(library["archive"]))
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: Restore replaces the live library; run it again with --yes to confirm."
    assert h.tree_digest(data) == before


def _truncated(archive: Path, target: Path) -> Path:
    target.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return target


def _tampered(archive: Path, target: Path) -> Path:
    """Same manifest, one data file changed: only the checksums can tell."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            payload = src.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("spec.json"):
                payload = payload.replace(b"Oauth", b"OAuth")
                member.size = len(payload)
            dst.addfile(member, io.BytesIO(payload) if payload is not None else None)
    return target


def _foreign(_: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"root\n"))
    return target


def _not_gzip(_: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(b"just some text, not a tar file\n" * 50))
    return target


@pytest.mark.parametrize("make_bad", [_truncated, _tampered, _foreign, _not_gzip])
def test_a_bad_archive_is_refused_in_one_sentence_and_data_is_untouched(library: dict, tmp_path: Path,
                                                                        make_bad) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    before = h.tree_digest(data)
    bad = make_bad(library["archive"], tmp_path / "bad.tar.gz")
    proc = h.script(h.RESTORE, "--data-dir", str(data), "--yes", str(bad))
    assert proc.returncode == 1
    message = proc.stderr.strip()
    assert message.count("\n") == 0 and "is not a usable apiassist backup" in message, message
    assert "Traceback" not in proc.stderr
    assert h.tree_digest(data) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tar.gz", "data"]


def test_backup_during_indexing_restores_to_a_consistent_library(library: dict, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(library["data"], data)
    indexer = start_cli(data, "chunks", tmp_path / "paused", "index", str(h.SPEC_BIG))
    indexer.wait_paused()  # inside its commit: chunks written, catalogue row not yet
    h.wait_until_locked(data, indexer.proc)
    backup = subprocess.Popen(["bash", str(h.BACKUP), "--data-dir", str(data), "--dest", str(tmp_path / "backups")],
                              env=h.env(), cwd=h.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code, _, err = indexer.resume()
    assert code == 0, err
    out, err = backup.communicate(timeout=900)
    assert backup.returncode == 0, err
    archive = Path(out.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("apiassist-backup/manifest.json"))
    assert manifest["index_records"] == manifest["totals"]["chunks"]
    assert {a["api"] for a in manifest["apis"]} in ({library["list"][0]["api"]},
                                                    {a["api"] for a in h.listing(data)})

    fresh = tmp_path / "fresh" / "data"
    proc = h.script(h.RESTORE, "--data-dir", str(fresh), "--yes", str(archive))
    assert proc.returncode == 0, proc.stderr
    restored = h.listing(fresh)
    assert [(a["api"], a["operations"], a["chunks"]) for a in restored] == \
        [(a["api"], a["operations"], a["chunks"]) for a in sorted(manifest["apis"], key=lambda a: a["title"])]
    stats = json.loads(h.cli(fresh, "stats", "--json").stdout)
    assert stats["chunks"] == manifest["index_records"]


def test_keep_retains_only_the_newest_archives(library: dict, tmp_path: Path) -> None:
    dest = tmp_path / "backups"
    made = [h.backup(library["data"], dest, "--keep", "2") for _ in range(3)]
    assert sorted(dest.glob("apiassist-backup-*.tar.gz")) == made[1:]


@pytest.mark.parametrize(("target", "expected"), [
    ("s3://bucket/nightly", ["aws", "s3", "cp"]),
    ("az://acct/backups/nightly", ["az", "storage", "blob", "upload"]),
])
def test_upload_uses_the_cloud_cli(library: dict, tmp_path: Path, target: str, expected: list[str]) -> None:
    bindir = make_bin(tmp_path)
    log = tmp_path / "calls.jsonl"
    proc = h.script(h.BACKUP, "--data-dir", str(library["data"]), "--dest", str(tmp_path / "b"), "--upload", target,
                    extra_env={"PATH": f"{bindir}:{Path(sys.executable).parent}", "STUB_LOG": str(log)})
    assert proc.returncode == 0, proc.stderr
    archive = Path(proc.stdout.strip().splitlines()[-1])
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [[c["cmd"], *c["args"]][: len(expected)] for c in calls] == [expected]
    args = calls[0]["args"]
    if target.startswith("s3://"):
        assert args[-2:] == [str(archive), f"s3://bucket/nightly/{archive.name}"]
    else:
        assert args[args.index("--container-name") + 1] == "backups"
        assert args[args.index("--name") + 1] == f"nightly/{archive.name}"
        assert args[args.index("--file") + 1] == str(archive)


def test_bad_upload_target_or_missing_library_fail_in_one_sentence(tmp_path: Path) -> None:
    proc = h.script(h.BACKUP, "--data-dir", str(tmp_path), "--upload", "ftp://x")
    assert proc.returncode == 1 and proc.stderr.strip().count("\n") == 0 and "--upload must look like" in proc.stderr
    proc = h.script(h.BACKUP, "--data-dir", str(tmp_path / "nothing"), "--dest", str(tmp_path / "b"))
    assert proc.returncode == 1 and proc.stderr.strip().startswith("error: There is no library at")
    assert proc.stderr.strip().count("\n") == 0
