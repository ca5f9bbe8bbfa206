"""Paths and small helpers shared by the operations tests."""

from __future__ import annotations

import re
import shutil
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT / ".." / "shared" / "data"
TWILIO_DIR = SHARED_DATA / "specs" / "twilio"
STUBS = Path(__file__).resolve().parent / "stubs"
VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str | None:
    """Return the path of a command from the virtualenv or PATH, if installed."""
    local = VENV_BIN / name
    return str(local) if local.exists() else shutil.which(name)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_env_names() -> set[str]:
    """Return the APIASSIST_* variable of every Settings field."""
    from src.core.config import Settings

    return {f"APIASSIST_{name.upper()}" for name in Settings.model_fields}


def env_example_entries() -> dict[str, str]:
    """Return NAME -> value for every APIASSIST_* line of .env.example, commented out or not."""
    entries = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*(APIASSIST_[A-Z0-9_]+)=(.*)$", line.strip())
        if match:
            entries[match.group(1)] = match.group(2).strip()
    return entries
