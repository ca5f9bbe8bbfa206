"""Run generated samples as real programs (python, bash + curl, node) in a clean environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SECRETS = {
    "API_TOKEN": "tok_test_123",
    "API_KEY": "key_test_456",
    "API_USERNAME": "alice",
    "API_PASSWORD": "s3cret",
}


def _env() -> dict[str, str]:
    # Only PATH and the credentials: no proxy settings may divert loopback traffic.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_PROXY": "*", "no_proxy": "*", **SECRETS}


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{argv[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc


def run_python(code: str, tmp_path: Path) -> str:
    """Run a Python sample with this interpreter and return its output."""
    script = tmp_path / "sample.py"
    script.write_text(code)
    return _run([sys.executable, str(script)], tmp_path).stdout


def run_curl(code: str, tmp_path: Path) -> str:
    """Run a curl sample with bash; skip when curl is not installed."""
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("curl or bash is not installed, so the curl sample cannot be run")
    script = tmp_path / "sample.sh"
    script.write_text(code)
    return _run(["bash", str(script)], tmp_path).stdout


def run_node(code: str, tmp_path: Path) -> str:
    """Run a JavaScript sample with Node.js; skip when node is not installed."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed, so the JavaScript sample cannot be run")
    script = tmp_path / "sample.js"
    script.write_text(code)
    return _run(["node", str(script)], tmp_path).stdout
