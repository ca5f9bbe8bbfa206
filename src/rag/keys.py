"""API keys for the HTTP API and the MCP server, stored hashed in the app's SQLite database."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.core.errors import AppError, InputRejected, NotFound
from src.rag.library import connect

KEY_PREFIX = "aia_"
_ID_CHARS = 8
_NAME = re.compile(r"^[\w .@:-]{1,64}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
"""


class Scope(str, enum.Enum):
    """What a key may do; each scope includes the ones below it (admin > write > read)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Return the position of the scope in the hierarchy."""
        return list(Scope).index(self)

    def allows(self, needed: Scope) -> bool:
        """Tell whether a key with this scope may do what `needed` guards."""
        return self.rank >= needed.rank


class Unauthenticated(AppError):
    """No key, or a key that is unknown or revoked."""


class Forbidden(AppError):
    """A valid key whose scope does not cover the request."""


@dataclass(frozen=True)
class ApiKey:
    """One key as listed: never the secret, only its public id."""

    key_id: str
    name: str
    scope: Scope
    created_at: float
    last_used_at: float | None = None
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        """Tell whether the key can still be used."""
        return self.revoked_at is None

    def to_json(self) -> dict[str, Any]:
        """Return the `keys list --json` view."""
        stamp = (lambda t: None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)))
        return {"id": self.key_id, "name": self.name, "scope": self.scope.value, "created_at": stamp(self.created_at),
                "last_used_at": stamp(self.last_used_at), "revoked_at": stamp(self.revoked_at), "active": self.active}


def _hash(secret: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 cannot be brute-forced; no slow KDF is needed.
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scope(value: str) -> Scope:
    """Return the scope named by `value` or raise one sentence naming the valid ones."""
    try:
        return Scope(str(value).strip().lower())
    except ValueError:
        raise InputRejected(f"Unknown scope {str(value)[:20]!r}: use read, write or admin.") from None


class ApiKeyStore:
    """Create, list, revoke and check API keys in ``<data_dir>/app.db``."""

    def __init__(self, data_dir: Path) -> None:
        self._conn = connect(Path(data_dir))
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._last_touch: dict[str, float] = {}

    def create(self, name: str, scope: Scope | str) -> tuple[ApiKey, str]:
        """Create a key; returns the listed key and the full secret, which is shown only this once."""
        name = " ".join(str(name).split())
        if not _NAME.match(name):
            raise InputRejected("A key name must be 1-64 letters, digits, spaces or . @ : - _; choose another name.")
        scope = scope if isinstance(scope, Scope) else parse_scope(scope)
        key_id = secrets.token_hex(_ID_CHARS // 2)
        secret = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, name, scope, time.time())
        with self._lock:
            self._conn.execute("INSERT INTO api_keys VALUES (?,?,?,?,?,NULL,NULL)",
                               (key_id, name, scope.value, _hash(secret), key.created_at))
        return key, secret

    def list(self) -> list[ApiKey]:
        """Return every key, newest first (revoked ones included, marked so)."""
        with self._lock:
            rows = self._conn.execute("SELECT key_id, name, scope, created_at, last_used_at, revoked_at "
                                      "FROM api_keys ORDER BY created_at DESC").fetchall()
        return [ApiKey(r[0], r[1], Scope(r[2]), r[3], r[4], r[5]) for r in rows]

    def revoke(self, key_id_or_name: str) -> ApiKey:
        """Revoke the active key with this id (or unique name) and return it."""
        wanted = key_id_or_name.strip()
        matches = [k for k in self.list() if k.active and wanted in (k.key_id, k.name)]
        if not matches:
            raise NotFound(f"There is no active key '{wanted[:40]}'; run `apiassist keys list` to see the ids.")
        if len(matches) > 1:
            raise InputRejected(f"Several active keys are named '{wanted[:40]}'; revoke one by its id.")
        with self._lock:
            self._conn.execute("UPDATE api_keys SET revoked_at = ? WHERE key_id = ?", (time.time(), matches[0].key_id))
        return matches[0]

    def authenticate(self, secret: str | None) -> ApiKey:
        """Return the active key this secret belongs to, or raise `Unauthenticated` with one sentence."""
        if not secret:
            raise Unauthenticated("This request needs an API key: send `Authorization: Bearer <key>` "
                                  "(create one with `apiassist keys create`).")
        match = re.fullmatch(rf"{KEY_PREFIX}([0-9a-f]{{{_ID_CHARS}}})_[\w-]+", secret.strip())
        row = None
        if match:
            with self._lock:
                row = self._conn.execute("SELECT key_id, name, scope, created_at, last_used_at, revoked_at, secret_hash "
                                         "FROM api_keys WHERE key_id = ?", (match.group(1),)).fetchone()
        if row is None or row[5] is not None or not hmac.compare_digest(row[6], _hash(secret.strip())):
            raise Unauthenticated("The API key is not valid or has been revoked; check it or create a new one "
                                  "with `apiassist keys create`.")
        self._touch(row[0])
        return ApiKey(row[0], row[1], Scope(row[2]), row[3], row[4], row[5])

    def _touch(self, key_id: str) -> None:
        # Recording every use would turn each read request into a database write; once a minute is enough.
        now = time.time()
        if now - self._last_touch.get(key_id, 0.0) < 60:
            return
        self._last_touch[key_id] = now
        with self._lock:
            self._conn.execute("UPDATE api_keys SET last_used_at = ? WHERE key_id = ?", (now, key_id))

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()


def require_scope(key: ApiKey, needed: Scope) -> None:
    """Raise `Forbidden` with one sentence when the key's scope does not cover `needed`."""
    if not key.scope.allows(needed):
        raise Forbidden(f"The key '{key.name}' has the {key.scope.value} scope, but this needs "
                        f"{needed.value}; use a key created with `--scope {needed.value}`.")
