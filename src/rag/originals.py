"""Keep each API's original upload, its normalised form and a compact reference index beside the index, replaced atomically."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from src.rag.serialize import spec_from_jsonable, to_jsonable
from src.rag.types import ApiSpec
from src.rag.verify import known_references

ORIGINALS = "originals"
SPEC_JSON = "spec.json"
# Operation keys and JSON pointers only: answer verification reads these without loading whole specs.
REFS_JSON = "refs.json"


class OriginalsStore:
    """Files under ``<data_dir>/originals/<api>/``: the uploaded file as sent, ``spec.json`` and ``refs.json``."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / ORIGINALS

    def folder(self, api: str) -> Path:
        """Return the folder of one API."""
        return self.root / api

    def stage(self, api: str, file_name: str, data: bytes, spec: ApiSpec) -> Path:
        """Write a new copy beside the live one and return the staging folder (nothing live changes yet)."""
        staging = self.root / f".{api}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "source").mkdir(parents=True)
        (staging / "source" / file_name).write_bytes(data)
        (staging / SPEC_JSON).write_text(json.dumps(to_jsonable(spec), separators=(",", ":")))
        (staging / REFS_JSON).write_text(_refs_json(*known_references([spec])))
        return staging

    def commit(self, api: str, staging: Path) -> Path | None:
        """Swap the staged copy in; return the previous folder (kept until `discard`) for rollback."""
        live = self.folder(api)
        previous = None
        if live.exists():
            previous = self.root / f".{api}.previous"
            shutil.rmtree(previous, ignore_errors=True)
            live.rename(previous)
        staging.rename(live)
        return previous

    def undo_commit(self, api: str, had_original: bool) -> None:
        """Undo a write whatever step it reached: the previous folder goes back, a new one goes away.

        A ``.<api>.previous`` folder exists only once `commit` began (leftovers are discarded before
        a write starts), so then the live folder, if any, is the new copy.
        """
        previous = self.root / f".{api}.previous"
        if previous.exists():
            shutil.rmtree(self.folder(api), ignore_errors=True)
            previous.rename(self.folder(api))
        elif not had_original:
            shutil.rmtree(self.folder(api), ignore_errors=True)
        self.discard(self.root / f".{api}.staging")

    def apis(self) -> set[str]:
        """Return the id of every API that has a folder."""
        return {p.name for p in self._entries() if not p.name.startswith(".") and p.is_dir()}

    def leftovers(self) -> list[Path]:
        """Return the staging and previous folders an interrupted write left behind."""
        return [p for p in self._entries() if p.name.startswith(".") and p.name.endswith((".staging", ".previous"))]

    def discard_leftovers(self, api: str) -> None:
        """Delete the staging and previous folders of one API."""
        for suffix in (".staging", ".previous"):
            self.discard(self.root / f".{api}{suffix}")

    def _entries(self) -> list[Path]:
        return sorted(self.root.iterdir()) if self.root.is_dir() else []

    @staticmethod
    def discard(path: Path | None) -> None:
        """Delete a staging or previous folder."""
        if path is not None:
            shutil.rmtree(path, ignore_errors=True)

    def remove(self, api: str) -> None:
        """Delete an API's files."""
        shutil.rmtree(self.folder(api), ignore_errors=True)

    def source(self, api: str) -> tuple[str, bytes]:
        """Return the original file name and bytes."""
        files = sorted((self.folder(api) / "source").glob("*"))
        if not files:
            raise FileNotFoundError(api)
        return files[0].name, files[0].read_bytes()

    def load_spec(self, api: str) -> ApiSpec:
        """Return the stored normalised spec."""
        return spec_from_jsonable(json.loads((self.folder(api) / SPEC_JSON).read_text()))

    def spec_bytes(self, api: str) -> int:
        """Return the size of the stored normalised spec (0 when it is missing)."""
        try:
            return (self.folder(api) / SPEC_JSON).stat().st_size
        except OSError:
            return 0

    def load_refs(self, api: str) -> tuple[set[str], set[str]]:
        """Return the operation keys and JSON pointers of an API, without loading its whole spec.

        Folders written before the reference index existed fall back to the spec (and gain the index).
        """
        path = self.folder(api) / REFS_JSON
        try:
            refs = json.loads(path.read_text())
            return set(refs["keys"]), set(refs["pointers"])
        except (OSError, ValueError, KeyError, TypeError):
            keys, pointers = known_references([self.load_spec(api)])
        try:  # written aside and renamed, so a reader never sees half a file
            partial = path.with_name(f".{REFS_JSON}.{os.getpid()}")
            partial.write_text(_refs_json(keys, pointers))
            os.replace(partial, path)
        except OSError:
            pass  # a read-only library still answers; it just reads the spec again next time
        return keys, pointers


def _refs_json(keys: set[str], pointers: set[str]) -> str:
    """Serialise an API's reference index (sorted, so an unchanged spec writes the same file)."""
    return json.dumps({"keys": sorted(keys), "pointers": sorted(pointers)})
