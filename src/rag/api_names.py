"""What an API is called on screen: a name the user gave it, else its spec title, else one made from its file.

The catalogue keeps the spec's own title (search and citations use it); display names live beside it in the
app database, so renaming never touches the index.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from pathlib import Path

from src.rag.library import ApiInfo, connect, transaction

MAX_NAME_CHARS = 80
# Titles that say nothing about which API this is: converters and generators leave these behind.
_GENERIC = {"", "api", "apis", "openapi", "swagger", "untitled", "untitled api", "my api", "rest api", "postman",
            "collection", "graphql", "schema", "default", "title", "spec", "specification", "docs"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_names (
    api TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def fallback_title(info: ApiInfo) -> str:
    """Return the spec title when it names the API, else a title made from the uploaded file's name."""
    title = " ".join(info.title.split())
    if re.fullmatch(r"[a-z0-9]+(?:[_-][a-z0-9]+)+", title):  # a file stem such as "swapi_schema"
        return " ".join(w.capitalize() for w in re.split(r"[_-]", title))
    if title.lower() not in _GENERIC and not re.fullmatch(r"[\d.\sv-]*", title.lower()):
        return title
    stem = re.sub(r"\.(json|ya?ml|graphqls?|gql|md|markdown|txt|zip|tar|gz|tgz)$", "", info.source.lower())
    stem = re.sub(r"\.(json|ya?ml|tar)$", "", stem)
    words = [w for w in re.split(r"[^a-z0-9]+", stem) if w and w not in {"openapi", "swagger", "spec", "v2", "v3"}]
    return " ".join(w.capitalize() for w in words) or title or "Unnamed API"


class ApiNames:
    """Display names given by users, one per API id (thread-safe; every process sharing the data dir sees a rename)."""

    def __init__(self, data_dir: Path) -> None:
        self._conn = connect(Path(data_dir))
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        """Return the names version, kept in the database: it changes whenever a rename changes a stored name."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'names_version'").fetchone()
        return int(row[0]) if row else 0

    def all(self) -> dict[str, str]:
        """Return api id → name for every renamed API."""
        with self._lock:
            return dict(self._conn.execute("SELECT api, title FROM api_names").fetchall())

    def rename(self, api: str, title: str) -> str:
        """Give an API a display name (blank restores the spec's title); return the name now shown."""
        clean = " ".join(title.split())[:MAX_NAME_CHARS]
        with transaction(self._conn, self._lock) as conn:
            row = conn.execute("SELECT title FROM api_names WHERE api = ?", (api,)).fetchone()
            if (row[0] if row else "") != clean:  # an unchanged name keeps every cached answer
                if clean:
                    conn.execute("INSERT INTO api_names VALUES (?,?,?) ON CONFLICT(api) DO UPDATE SET "
                                 "title = excluded.title, updated_at = excluded.updated_at", (api, clean, time.time()))
                else:
                    conn.execute("DELETE FROM api_names WHERE api = ?", (api,))
                conn.execute("INSERT INTO meta(key, value) VALUES ('names_version', '1') "
                             "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        return clean

    def named(self, infos: list[ApiInfo]) -> list[ApiInfo]:
        """Return the catalogue entries with the titles to show, sorted by that title."""
        names = self.all()
        shown = [replace(i, title=names.get(i.api) or fallback_title(i)) for i in infos]
        return sorted(shown, key=lambda i: (i.title.lower(), i.version))
