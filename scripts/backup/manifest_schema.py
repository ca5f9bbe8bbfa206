"""The backup manifest's shape, checked field by field before anything reads it.

A manifest that is not JSON, lacks a field, holds a wrong type or disagrees with itself (totals that
do not add up) is described by one short phrase naming the first problem, never a traceback.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SHA256 = r"^[0-9a-f]{64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class ManifestApi(_Strict):
    """One backed-up API with its counts."""

    api: str = Field(min_length=1)
    title: str
    version: str
    format: str
    operations: int = Field(ge=0)
    chunks: int = Field(ge=0)


class ManifestTotals(_Strict):
    """The sums over every API."""

    apis: int = Field(ge=0)
    operations: int = Field(ge=0)
    chunks: int = Field(ge=0)


class Manifest(_Strict):
    """What `snapshot.make_manifest` writes."""

    format_version: int = Field(ge=1)
    created_at: str = Field(min_length=1)
    mode: Literal["embedded", "server"]
    apis: list[ManifestApi]
    totals: ManifestTotals
    index_records: int | None = Field(default=None, ge=0)
    files: dict[str, str]

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if self.totals.apis != len(self.apis) or self.totals.chunks != sum(a.chunks for a in self.apis):
            raise ValueError("its totals do not add up to its API list")
        if len({a.api for a in self.apis}) != len(self.apis):
            raise ValueError("it lists one API twice")
        bad = next((n for n, d in self.files.items() if not _safe_name(n) or len(d) != 64), None)
        if bad is not None:
            raise ValueError(f"its file entry {bad!r} is not a relative path with a sha256")
        return self


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts


def problem(raw: Any) -> str | None:
    """Return a phrase naming the first problem of a parsed manifest, or None when it is usable."""
    try:
        Manifest.model_validate(raw)
    except ValidationError as exc:
        return _describe(exc.errors()[0])
    return None


def _describe(error: dict[str, Any]) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.get("loc", ())).lstrip(".")
    if error.get("type") == "missing":
        return f"its manifest has no {where}"
    if error.get("type") == "value_error":
        return str(error.get("ctx", {}).get("error", error.get("msg", "")))
    if not where:
        return "its manifest is not a JSON object"
    return f"its manifest field {where} is wrong ({error.get('msg', 'invalid').lower().rstrip('.')})"
