"""The parser seam: a loaded source document in, a normalised `ApiSpec` out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from src.core.config import Settings
from src.rag.types import ApiSpec, SpecFormat


@dataclass
class SourceDocument:
    """One detected document: its display name, path in its bundle, text, loaded data and format."""

    name: str
    path: str
    text: str
    format: SpecFormat
    data: Any = None
    load_file: Callable[[str], Any] | None = None
    settings: Settings = field(default_factory=Settings)
    source_name: str = ""

    @property
    def source(self) -> str:
        """Return the name of the uploaded file or folder the document came from."""
        return self.source_name or self.name


class Parser(Protocol):
    """Turns one detected source document into the normalised `ApiSpec`."""

    def parse(self, doc: SourceDocument) -> ApiSpec:
        """Parse the document; raise `SpecError` with one sentence when it cannot be used."""
        ...


def text_of(value: Any) -> str:
    """Return a stripped string, or '' for anything that is not a non-empty string or number."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def as_dict(value: Any) -> dict[str, Any]:
    """Return the value if it is a mapping, else an empty one (wrong types are tolerated)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """Return the value if it is a list, else an empty one."""
    return value if isinstance(value, list) else []


def unique_keys(ops: list[Any], suffix_of: Callable[[Any, int], str]) -> list[Any]:
    """Make `METHOD /path` keys unique by giving later duplicates a deterministic path suffix."""
    import dataclasses

    seen: set[str] = set()
    out = []
    for op in ops:
        candidate, n = op, 1
        while candidate.key in seen:
            n += 1
            candidate = dataclasses.replace(op, path=op.path + suffix_of(op, n))
        seen.add(candidate.key)
        out.append(candidate)
    return out


def describe_count_warning(ops: list[Any]) -> list[str]:
    """Summarise operations that carry neither a summary nor a description."""
    bare = sum(1 for op in ops if not op.summary and not op.description)
    if not bare:
        return []
    return [f"{bare} of {len(ops)} operations have no summary or description, so answers about them rely on the path alone."]
