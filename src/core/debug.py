"""Debug hook for crash and concurrency tests: pause a real process at a named step.

With ``APIASSIST_DEBUG_PAUSE_AT=<step>`` the process writes the file named by
``APIASSIST_DEBUG_PAUSE_MARKER`` (its pid and the step) when it reaches that step, then waits
while the file exists. A test can kill the paused process there (a real crash at a known point)
or delete the file to let it go on. Unset, every pause point is a no-op.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

PAUSE_AT_ENV = "APIASSIST_DEBUG_PAUSE_AT"
PAUSE_MARKER_ENV = "APIASSIST_DEBUG_PAUSE_MARKER"


def pause_point(step: str) -> None:
    """Wait here while the pause marker exists, if the debug hook names this step."""
    if os.environ.get(PAUSE_AT_ENV) != step:
        return
    marker = Path(os.environ.get(PAUSE_MARKER_ENV) or Path(tempfile.gettempdir()) / f"apiassist-paused-{os.getpid()}")
    partial = marker.with_name(marker.name + ".partial")
    partial.write_text(f"{os.getpid()} {step}\n")
    partial.rename(marker)  # the marker appears whole, so a watcher never reads half of it
    while marker.exists():
        time.sleep(0.05)
