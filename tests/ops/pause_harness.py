"""Start real `apiassist` and backup processes that pause at a named step (APIASSIST_DEBUG_PAUSE_AT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.ops import backup_harness as h

CLI = "import sys; from app.cli import main; sys.exit(main())"


@dataclass
class Paused:
    """A real process told to pause at `step`; `marker` appears when it gets there."""

    proc: subprocess.Popen
    marker: Path
    step: str

    def wait_paused(self, timeout: float = 600) -> None:
        """Wait until the process has reached its pause point (fail if it ends first)."""
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            if self.proc.poll() is not None:
                out, err = self.proc.communicate()
                raise AssertionError(f"the process ended (code {self.proc.returncode}) before pausing at "
                                     f"{self.step}: {out[-500:]} {err[-1500:]}")
            assert time.monotonic() < deadline, f"the process never paused at {self.step}"
            time.sleep(0.05)

    def resume(self, timeout: float = 600) -> tuple[int, str, str]:
        """Let the process go on and return (exit code, stdout, stderr)."""
        self.marker.unlink()
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """Send a signal to the process group (the real crash when SIGKILL) and wait for it to end."""
        os.killpg(self.proc.pid, signum)
        self.proc.communicate(timeout=120)


def start(args: list[str], step: str, marker: Path) -> Paused:
    """Start a command in its own process group with the pause hook at `step`."""
    env = h.env(APIASSIST_DEBUG_PAUSE_AT=step, APIASSIST_DEBUG_PAUSE_MARKER=str(marker))
    proc = subprocess.Popen(args, env=env, cwd=h.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    return Paused(proc, marker, step)


def start_cli(data: Path, step: str, marker: Path, *args: str) -> Paused:
    """Start `apiassist --data-dir DATA ARGS` pausing at `step`."""
    return start([sys.executable, "-c", CLI, "--data-dir", str(data), *args], step, marker)


def stats(data: Path) -> dict:
    """Return `apiassist stats --json`."""
    return json.loads(h.cli(data, "stats", "--json").stdout)


def assert_list_and_stats_agree(data: Path) -> list[dict]:
    """Check `list` and `stats` describe the same library (APIs and chunks); return the listing."""
    listing = h.listing(data)
    counted = stats(data)
    assert counted["apis"] == len(listing)
    assert counted["chunks"] == sum(a["chunks"] for a in listing), (counted, listing)
    return listing
