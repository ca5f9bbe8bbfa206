"""Shared fixtures for parsing tests: the real-world data folder next to the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def data_dir(sub: str) -> Path:
    """Return a folder of the shared data, skipping the test when the data is absent."""
    folder = DATA / sub
    if not folder.is_dir():
        pytest.skip(f"shared data folder {sub} is not present next to the repository")
    return folder


def files_under(sub: str) -> list[Path]:
    """List every file under a shared data folder (empty when the data is absent)."""
    folder = DATA / sub
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
