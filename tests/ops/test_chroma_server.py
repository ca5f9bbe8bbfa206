"""Server mode against a real `chroma run` process: index, search, backup and restore through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

from tests.ops import backup_harness as h
from tests.ops.helpers import ROOT, free_port

QUERY = "create an access token"


def _server_env(host: str, port: int) -> dict[str, str]:
    return h.env(APIASSIST_CHROMA_HOST=host, APIASSIST_CHROMA_PORT=str(port))


def _cli(env: dict[str, str], data: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())",
                           "--data-dir", str(data), *args], capture_output=True, text=True, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_index_and_search_go_through_the_chroma_server(chroma_server: tuple[str, int], tmp_path: Path) -> None:
    h.need_specs()
    env = _server_env(*chroma_server)
    data = tmp_path / "data"
    _cli(env, data, "index", str(h.SPEC_A))
    assert not (data / "chroma").exists(), "server mode must not create an embedded index"
    hits = json.loads(_cli(env, data, "search", QUERY, "--json").stdout)["hits"]
    assert hits and all(hit["api"].startswith("twilio-oauth") for hit in hits)
    health = json.loads(_cli(env, data, "health", "--json").stdout)
    listed = json.loads(_cli(env, data, "list", "--json").stdout)
    assert health["store"]["mode"] == "server"
    assert health["store"]["chunks"] == sum(api["chunks"] for api in listed) > 0

    # a second client process sees the same index: the server holds it, not the data directory
    other = tmp_path / "other-replica"
    other_hits = json.loads(_cli(env, other, "search", QUERY, "--json").stdout)["hits"]
    assert other_hits == hits


def test_server_mode_backup_holds_catalogue_and_originals_and_restore_reindexes(
        chroma_server: tuple[str, int], tmp_path: Path) -> None:
    h.need_specs()
    env = _server_env(*chroma_server)
    extra = {"APIASSIST_CHROMA_HOST": chroma_server[0], "APIASSIST_CHROMA_PORT": str(chroma_server[1])}
    data = tmp_path / "data"
    _cli(env, data, "index", str(h.SPEC_A))
    before = json.loads(_cli(env, data, "search", QUERY, "--json").stdout)["hits"]
    proc = h.script(h.BACKUP, "--data-dir", str(data), "--dest", str(tmp_path / "b"), extra_env=extra)
    assert proc.returncode == 0, proc.stderr
    archive = Path(proc.stdout.strip().splitlines()[-1])
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("apiassist-backup/manifest.json"))
    assert manifest["mode"] == "server" and manifest["index_records"] is None
    assert not any(name.startswith("chroma/") for name in manifest["files"])

    api = manifest["apis"][0]["api"]
    _cli(env, data, "remove", api)
    _cli(env, data, "index", str(h.SPEC_B))
    proc = h.script(h.RESTORE, "--data-dir", str(data), "--yes", str(archive), extra_env=extra)
    assert proc.returncode == 0, proc.stderr
    after = json.loads(_cli(env, data, "search", QUERY, "--json").stdout)["hits"]
    assert after == before
    assert [a["api"] for a in json.loads(_cli(env, data, "list", "--json").stdout)] == [api]


def test_compose_chroma_healthcheck_command_works_against_a_real_server(chroma_server: tuple[str, int]) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
    test = compose["services"]["chroma"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "bash", "-c"]
    ok = subprocess.run(["bash", "-c", test[3].replace("8000", str(chroma_server[1]))], timeout=10)
    assert ok.returncode == 0
    closed = subprocess.run(["bash", "-c", test[3].replace("8000", str(free_port()))], timeout=10,
                            capture_output=True)
    assert closed.returncode != 0
