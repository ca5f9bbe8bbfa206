"""Shared fixtures: real settings on a temp data dir, the real bundled model, the shared data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()


def shared(*parts: str) -> Path:
    """Return a path under ../shared/data, skipping the test when the shared data is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (tests read real specs from ../shared/data)")
    return path


@pytest.fixture
def settings(tmp_path):
    """Settings on a fresh temp data dir, offline provider, nothing read from the developer's env."""
    from src.core.config import Settings

    return Settings(data_dir=tmp_path / "data", llm_provider="offline")


@pytest.fixture
def assistant(settings):
    """A real Assistant (real ChromaDB in a temp dir, the bundled model)."""
    from src.rag.service import Assistant

    return Assistant(settings)
