"""The library catalogue in the app's SQLite database: one row per API, the library version, pending writes, repairs."""

from __future__ import annotations

import json
import sqlite3
import os
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
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
CREATE TABLE IF NOT EXISTS pending_writes (
    api TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    had_row INTEGER NOT NULL,
    old_ids TEXT NOT NULL DEFAULT '[]',
    undo TEXT NOT NULL DEFAULT '[]',
    started_at REAL NOT NULL,
    pid INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS repairs (at REAL NOT NULL, action TEXT NOT NULL);
"""

RECENT_REPAIRS = 20


@dataclass(frozen=True)
class PendingWrite:
    """A write that started under the write lock and has not committed: what a crash would leave behind.

    `kind` is ``index`` or ``remove``; `old_ids` are the chunk ids the API had before; `undo` holds
    (encoded) the records an index write replaces or deletes, so it can be undone.
    """

    api: str
    kind: str
    had_row: bool
    old_ids: tuple[str, ...] = ()
    undo: str = "[]"
    started_at: float = 0.0
    pid: int = 0


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


@contextmanager
def transaction(conn: sqlite3.Connection, lock: threading.Lock) -> Iterator[sqlite3.Connection]:
    """Run statements as one SQLite transaction (all or nothing, even across processes)."""
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


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

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._conn, self._lock)

    def save(self, info: ApiInfo) -> None:
        """Insert or replace one API row, close its pending write and bump the version, in one transaction."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO apis VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (info.api, info.title, info.version, info.format, info.operations, info.schemas, info.chunks,
                 info.source, info.sha256, info.indexed_at, json.dumps(list(info.warnings)), info.root),
            )
            conn.execute("DELETE FROM pending_writes WHERE api = ?", (info.api,))
            self._bump()

    def delete(self, api: str) -> None:
        """Remove one API row and bump the library version; a pending remove records what is left to delete."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM apis WHERE api = ?", (api,))
            conn.execute("INSERT OR REPLACE INTO pending_writes(api, kind, had_row, started_at, pid) "
                         "VALUES (?, 'remove', 1, ?, ?)", (api, time.time(), os.getpid()))
            self._bump()

    def begin_write(self, pending: PendingWrite) -> None:
        """Record a write before it touches the index, so a crash part-way can be undone."""
        with self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO pending_writes VALUES (?,?,?,?,?,?,?)",
                         (pending.api, pending.kind, int(pending.had_row), json.dumps(list(pending.old_ids)),
                          pending.undo, time.time(), os.getpid()))

    def end_write(self, api: str) -> None:
        """Forget a pending write that finished or was undone."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM pending_writes WHERE api = ?", (api,))

    def pending_writes(self) -> list[PendingWrite]:
        """Return every write that started and never finished."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM pending_writes ORDER BY started_at").fetchall()
        return [PendingWrite(r[0], r[1], bool(r[2]), tuple(json.loads(r[3])), r[4], r[5], r[6]) for r in rows]

    def log_repair(self, action: str) -> None:
        """Record one repair of the start-up check (the newest are shown by `health`)."""
        with self._transaction() as conn:
            conn.execute("INSERT INTO repairs VALUES (?, ?)", (time.time(), action))
            conn.execute("DELETE FROM repairs WHERE rowid NOT IN (SELECT rowid FROM repairs ORDER BY at DESC LIMIT ?)",
                         (RECENT_REPAIRS,))

    def recent_repairs(self) -> list[dict[str, str]]:
        """Return the newest repairs, newest first, as ``{"at": ISO time, "action": sentence}``."""
        with self._lock:
            rows = self._conn.execute("SELECT at, action FROM repairs ORDER BY at DESC").fetchall()
        return [{"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)), "action": action} for at, action in rows]

    def ids(self) -> set[str]:
        """Return the id of every API in the catalogue."""
        with self._lock:
            return {r[0] for r in self._conn.execute("SELECT api FROM apis").fetchall()}

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
