"""Lenient `$ref` resolution over one or many loaded files: local and relative-file refs, cycles kept."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from src.core.errors import AppError

MAX_CHAIN = 32

Loader = Callable[[str], Any]


def escape_pointer_token(token: str) -> str:
    """Escape one JSON pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: object) -> str:
    """Build a `#/a/b` pointer from raw tokens."""
    return "#/" + "/".join(escape_pointer_token(str(t)) for t in tokens) if tokens else "#"


def _walk(doc: Any, fragment: str) -> tuple[bool, Any]:
    """Follow a JSON pointer fragment inside one document."""
    node = doc
    if not fragment or fragment == "/":
        return True, node
    for raw in fragment.lstrip("/").split("/"):
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


class RefResolver:
    """Resolve `$ref`s across the root file and the files it names, recording problems as warnings."""

    def __init__(self, root_file: str, root_doc: Any, load_file: Loader | None = None) -> None:
        self.root_file = root_file
        self._docs: dict[str, Any] = {root_file: root_doc}
        self._load_file = load_file
        self._failed: set[str] = set()
        self.unresolved: dict[str, int] = {}
        self.remote: dict[str, int] = {}
        self.file_errors: list[str] = []

    @staticmethod
    def is_ref(node: Any) -> bool:
        """Tell whether a node is a reference object."""
        return isinstance(node, dict) and isinstance(node.get("$ref"), str)

    def deref(self, node: Any, file: str) -> tuple[Any, str]:
        """Follow `$ref` chains; return the target and its file, or the ref itself when unresolvable."""
        seen: set[tuple[str, str]] = set()
        current, cur_file = node, file
        for _ in range(MAX_CHAIN):
            if not self.is_ref(current):
                return current, cur_file
            key = (cur_file, current["$ref"])
            if key in seen:
                return current, cur_file
            seen.add(key)
            target = self.lookup(current["$ref"], cur_file)
            if target is None:
                return current, cur_file
            current, cur_file = target
        return current, cur_file

    def lookup(self, ref: str, file: str) -> tuple[Any, str] | None:
        """Resolve one ref string relative to `file` without following further refs."""
        ref = ref.strip()
        if ref.startswith(("http://", "https://", "//", "urn:", "ftp:")):
            self.remote[ref] = self.remote.get(ref, 0) + 1
            return None
        path, _, fragment = ref.partition("#")
        target_file = self._resolve_file(path, file) if path else file
        doc = self._document(target_file) if target_file is not None else None
        if doc is None:
            self._miss(ref)
            return None
        found, node = _walk(doc, fragment)
        if not found:
            self._miss(ref)
            return None
        return node, target_file

    def _resolve_file(self, path: str, file: str) -> str | None:
        """Join a relative file reference onto the referring file's folder."""
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(file), unquote(path)))
        return None if joined.startswith("../") or joined == ".." or joined.startswith("/") else joined

    def _document(self, file: str) -> Any:
        """Return a loaded document, loading it on first use."""
        if file in self._docs:
            return self._docs[file]
        if file in self._failed or self._load_file is None:
            return None
        try:
            doc = self._load_file(file)
        except AppError as err:  # a broken referenced file costs its refs, not the whole spec
            self.file_errors.append(str(err))
            doc = None
        if doc is None:
            self._failed.add(file)
            return None
        self._docs[file] = doc
        return doc

    def _miss(self, ref: str) -> None:
        """Count an unresolvable reference."""
        self.unresolved[ref] = self.unresolved.get(ref, 0) + 1

    def ref_name(self, node: Any) -> str:
        """Return the schema name a ref points at (last pointer token or file stem), else ''."""
        if not self.is_ref(node):
            return ""
        ref = node["$ref"]
        path, _, fragment = ref.partition("#")
        if fragment.strip("/"):
            return unquote(fragment.rstrip("/").rsplit("/", 1)[-1]).replace("~1", "/").replace("~0", "~")
        stem = posixpath.basename(path)
        return stem.rsplit(".", 1)[0] if "." in stem else stem

    def warnings(self) -> list[str]:
        """Summarise unresolved and remote references as one-sentence warnings."""
        out = []
        if self.unresolved:
            sample = ", ".join(sorted(self.unresolved)[:3])
            out.append(f"{len(self.unresolved)} $ref target(s) could not be resolved (e.g. {sample}); they are kept as plain references.")
        if self.remote:
            sample = ", ".join(sorted(self.remote)[:3])
            out.append(f"{len(self.remote)} remote $ref(s) were not fetched (e.g. {sample}); upload those files together in an archive to include them.")
        if self.file_errors:
            out.append(f"{len(self.file_errors)} referenced file(s) could not be read (e.g. {self.file_errors[0].rstrip('.')}).")
        return out
