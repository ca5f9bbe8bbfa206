"""Start the real Streamlit app on a free loopback port with its own data dir, and stop it again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.serving import wait_until_healthy

REPO = Path(__file__).resolve().parents[2]
STREAMLIT = Path(sys.executable).with_name("streamlit")


def free_port() -> int:
    """Return a TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AppServer:
    """A running `streamlit run app/main.py` process."""

    process: subprocess.Popen
    url: str
    log: Path
    started_s: float

    def stop(self) -> None:
        """Stop the server process this test started."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_app(data_dir: Path, log: Path, extra_env: dict[str, str] | None = None, timeout_s: float = 60,
              repo: Path = REPO) -> AppServer:
    """Start the app of `repo` (default this checkout) and wait until its health endpoint answers."""
    port = free_port()
    env = os.environ | {"APIASSIST_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "APIASSIST_LLM_PROVIDER": "offline",
                        "TOKENIZERS_PARALLELISM": "false"} | (extra_env or {})
    cmd = [str(STREAMLIT), "run", "app/main.py", "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    started = time.perf_counter()
    out = log.open("wb")
    process = subprocess.Popen(cmd, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if wait_until_healthy(process, f"{url}/_stcore/health", log, timeout_s):
        return AppServer(process, url, log, started)
    process.terminate()
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout_s} s; see {log}")
