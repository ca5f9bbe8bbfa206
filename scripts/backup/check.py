"""Open a restored library with the app's own CLI and check it against the backup's manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from src.core.errors import StoreError

_CLI = "import sys; from app.cli import main; sys.exit(main())"


def apiassist(data_dir: Path, *args: str, server: bool = False, timeout: float = 1800) -> str:
    """Run `apiassist --data-dir DATA_DIR ARGS` with this interpreter and return its stdout."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if not server:
        env["APIASSIST_CHROMA_HOST"] = ""  # a staged embedded copy must be read from its own folder
    proc = subprocess.run([sys.executable, "-c", _CLI, "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, env=env, timeout=timeout)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise StoreError(f"The restored library failed `apiassist {args[0]}` ({detail.removeprefix('error: ')})")
    return proc.stdout


def _compare_catalogue(data_dir: Path, manifest: dict[str, Any], server: bool) -> None:
    listed = {a["api"]: a for a in json.loads(apiassist(data_dir, "list", "--json", server=server))}
    expected = {a["api"]: a for a in manifest["apis"]}
    if set(listed) != set(expected):
        raise StoreError(f"The restored catalogue lists {len(listed)} APIs but the manifest {len(expected)}.")
    for api, want in expected.items():
        got = listed[api]
        if (got["operations"], got["chunks"]) != (want["operations"], want["chunks"]):
            raise StoreError(f"The restored counts of {api} differ from the manifest.")


def _search_runs(data_dir: Path, manifest: dict[str, Any], server: bool) -> None:
    """Run one real search (query = an API's title) and expect hits from the backed-up APIs."""
    if not manifest["totals"]["chunks"]:
        return
    query = manifest["apis"][0]["title"]
    out = apiassist(data_dir, "search", query, "--top-k", "3", "--json", server=server)
    hits = json.loads(out.strip().splitlines()[-1])["hits"]
    names = {a["api"] for a in manifest["apis"]}
    if not hits or any(h.get("api") not in names for h in hits):
        raise StoreError(f"A test search in the restored library found {len(hits)} hits from the backed-up APIs.")


def check_library(data_dir: Path, manifest: dict[str, Any], server: bool = False) -> None:
    """Check the catalogue counts, the index size and that a search runs; raise StoreError otherwise."""
    _compare_catalogue(data_dir, manifest, server)
    if not server and manifest.get("index_records") is not None:
        chunks = json.loads(apiassist(data_dir, "stats", "--json"))["chunks"]
        # an archive of an older release may hold chunks no API owns; opening the copy removed them
        if chunks not in (manifest["index_records"], manifest["totals"]["chunks"]):
            raise StoreError(f"The restored index holds {chunks} chunks but the backup had {manifest['index_records']}.")
    _search_runs(data_dir, manifest, server)


def reindex_into_server(data_dir: Path, manifest: dict[str, Any]) -> None:
    """Server mode: drop chunks of APIs the backup does not have, then rebuild the rest from the originals."""
    from src.core.config import load_settings
    from src.rag.store import ChromaStore

    store = ChromaStore(load_settings(data_dir=data_dir))
    keep = {a["api"] for a in manifest["apis"]}
    store.delete([r.id for r in store.iter_all() if r.metadata.get("api") not in keep])
    if keep:
        apiassist(data_dir, "reindex", "--all", server=True)
