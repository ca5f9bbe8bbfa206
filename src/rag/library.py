"""The library catalogue in the app's SQLite database: one row per indexed API, plus a library version."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.core.errors import NotFound

APP_DB = "app.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS apis (
    api TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    version TEXT NOT NULL,
    format TEXT NOT NULL,
    operations INTEGER NOT NULL,
    schemas INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    root TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ApiInfo:
    """One API of the library as the catalogue records it."""

    api: str
    title: str
    version: str
    format: str
    operations: int
    schemas: int
    chunks: int
    source: str
    sha256: str
    indexed_at: float
    warnings: tuple[str, ...] = ()
    root: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the `apiassist list --json` view."""
        return {
            "api": self.api, "title": self.title, "version": self.version, "format": self.format,
            "operations": self.operations, "schemas": self.schemas, "chunks": self.chunks, "source": self.source,
            "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.indexed_at)),
            "warnings": list(self.warnings),
        }


def connect(data_dir: Path) -> sqlite3.Connection:
    """Open the app database under the data directory (WAL mode, so readers never block writers)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / APP_DB, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Library:
    """Reads and writes the `apis` table and the library version counter."""

    def __init__(self, data_dir: Path) -> None:
        self._conn = connect(data_dir)
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def list(self) -> list[ApiInfo]:
        """Return every API, ordered by title then version."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM apis ORDER BY title COLLATE NOCASE, version").fetchall()
        return [self._row(r) for r in rows]

    def get(self, api: str) -> ApiInfo:
        """Return one API or raise NotFound."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM apis WHERE api = ?", (api,)).fetchone()
        if row is None:
            raise NotFound(f"There is no API '{api}' in the library; run `apiassist list` to see the ids.")
        return self._row(row)

    def find(self, api: str) -> ApiInfo | None:
        """Return one API, or None when the id is free."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM apis WHERE api = ?", (api,)).fetchone()
        return self._row(row) if row else None

    def find_by_sha(self, sha256: str) -> ApiInfo | None:
        """Return the API whose original file has this checksum, if any."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM apis WHERE sha256 = ?", (sha256,)).fetchone()
        return self._row(row) if row else None

    def save(self, info: ApiInfo) -> None:
        """Insert or replace one API row and bump the library version."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO apis VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (info.api, info.title, info.version, info.format, info.operations, info.schemas, info.chunks,
                 info.source, info.sha256, info.indexed_at, json.dumps(list(info.warnings)), info.root),
            )
            self._bump()

    def delete(self, api: str) -> None:
        """Remove one API row and bump the library version."""
        with self._lock:
            self._conn.execute("DELETE FROM apis WHERE api = ?", (api,))
            self._bump()

    def version(self) -> int:
        """Return the library version: it changes whenever any API is added, changed or removed."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'library_version'").fetchone()
        return int(row[0]) if row else 0

    def _bump(self) -> None:
        self._conn.execute(
            "INSERT INTO meta(key, value) VALUES ('library_version', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    @staticmethod
    def _row(r: tuple) -> ApiInfo:
        return ApiInfo(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], tuple(json.loads(r[10] or "[]")), r[11])

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()
