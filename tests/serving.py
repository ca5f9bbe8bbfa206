"""Shared by tests that start a real server process: wait until it answers on an HTTP health URL."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path


def wait_until_healthy(process: subprocess.Popen, url: str, log: Path, timeout_s: float) -> bool:
    """Poll `url` until it answers 200 (True) or `timeout_s` passes (False); raise if the process exits first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{Path(str(process.args[0])).name} exited with {process.returncode}: "
                               f"{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def stop_process(process: subprocess.Popen, timeout_s: float = 20) -> None:
    """Terminate a server process, killing it if it does not exit within `timeout_s`."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
