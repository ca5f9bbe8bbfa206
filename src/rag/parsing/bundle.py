"""Multi-file specs: a set of files (archive members or a folder), its root spec, and lazy loading."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from src.core.errors import InputRejected, SpecError
from src.rag.parsing.limits import DEFAULT_LIMITS, check_shape
from src.rag.parsing.loading import load_json, load_yaml
from src.rag.parsing.sniff import decode_text

_SPEC_HEAD = re.compile(r"""(?:^|[{,\s])["']?(?:openapi|swagger)["']?\s*:""", re.MULTILINE)
_TEXT_EXT = (".json", ".yaml", ".yml", ".graphql", ".graphqls", ".gql", ".md", ".markdown", ".txt")
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv"}


class FileSet:
    """Files addressed by relative POSIX path; `read` returns bytes (archives in memory, folders on disk)."""

    def __init__(self, name: str, paths: list[str], read: Callable[[str], bytes]) -> None:
        self.name = name
        self.paths = sorted(paths)
        self._read = read
        self._texts: dict[str, str] = {}
        self.limits = DEFAULT_LIMITS  # the parse sets its own limits before loading members

    @classmethod
    def from_members(cls, name: str, members: dict[str, bytes]) -> FileSet:
        """Wrap archive members read into memory."""
        return cls(name, list(members), members.__getitem__)

    @classmethod
    def from_folder(cls, folder: Path, max_files: int, max_file_bytes: int) -> FileSet:
        """List a folder's files (hidden and vendored folders skipped); read them on demand."""
        root = folder.resolve()
        paths = []
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts) or path.is_symlink() or not path.is_file():
                continue
            paths.append(rel.as_posix())
            if len(paths) > max_files:
                raise InputRejected(f"{folder.name}: the folder has more than {max_files} files; point at the spec folder itself or name the root file.")

        def read(rel: str) -> bytes:
            """Read one file, refusing paths that leave the folder and oversized files."""
            target = (root / rel).resolve()
            if root not in target.parents or target.stat().st_size > max_file_bytes:
                raise SpecError(f"{folder.name}/{rel}: the file is outside the folder or over the upload limit; it was skipped.")
            return target.read_bytes()

        return cls(folder.name, paths, read)

    def text(self, path: str) -> str:
        """Return a member decoded as text (cached)."""
        if path not in self._texts:
            self._texts[path] = decode_text(self.display(path), self._read(path))
        return self._texts[path]

    def read(self, path: str) -> bytes:
        """Return a member's bytes."""
        return self._read(path)

    def display(self, path: str) -> str:
        """Return the name used in messages for a member: `bundle/member`."""
        return f"{self.name}/{path}"

    def load(self, path: str) -> Any:
        """Load a member as JSON or YAML data (used for files named by `$ref`)."""
        if path not in self.paths:
            return None
        text = self.text(path)
        name = self.display(path)
        data = load_json(name, text) if text.lstrip()[:1] in ("{", "[") else load_yaml(name, text)
        check_shape(name, data, self.limits)
        return data

    def find_root(self, root: str | None) -> str:
        """Return the root spec: the named one, else the shallowest OpenAPI file no other spec refers to."""
        if root:
            return self._named_root(root)
        candidates = [p for p in self.paths if p.lower().endswith((".json", ".yaml", ".yml")) and self._is_spec(p)]
        if not candidates:
            return self._single_document()
        referenced = {c for c in candidates for other in candidates if other != c and posixpath.basename(c) in self.text(other)}
        roots = [c for c in candidates if c not in referenced] or candidates
        shallowest = min(r.count("/") for r in roots)
        top = [r for r in roots if r.count("/") == shallowest]
        if len(top) > 1:
            names = ", ".join(top[:3])
            raise SpecError(f"{self.name}: it holds {len(top)} separate specs ({names}{', …' if len(top) > 3 else ''}); upload them one by one or name the root file.")
        return top[0]

    def _named_root(self, root: str) -> str:
        """Match an explicitly named root exactly, or by unique path suffix."""
        wanted = root.replace("\\", "/").strip("/")
        if wanted in self.paths:
            return wanted
        matches = [p for p in self.paths if p.endswith("/" + wanted)]
        if len(matches) == 1:
            return matches[0]
        raise SpecError(f"{self.name}: the root file '{root}' is not in it; name one of its spec files as the root.")

    def _is_spec(self, path: str) -> bool:
        """Tell from the first few kilobytes whether a member is an OpenAPI/Swagger document."""
        try:
            head = self.text(path)[:4096]
        except SpecError:
            return False
        return bool(_SPEC_HEAD.search(head))

    def _single_document(self) -> str:
        """Without OpenAPI files, accept exactly one readable text document of another format."""
        docs = [p for p in self.paths if p.lower().endswith(_TEXT_EXT) and not posixpath.basename(p).startswith(".")]
        docs = docs or self.paths
        if len(docs) == 1:
            return docs[0]
        if not docs:
            raise SpecError(f"{self.name}: it contains no files; upload an archive or folder with the spec inside.")
        raise SpecError(f"{self.name}: no OpenAPI or Swagger root file was found among {len(docs)} files; name the root file to use.")
