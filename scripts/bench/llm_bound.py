"""Time the two ends of the wait bound against the real llama.cpp server, next to the bound itself.

1. ``apiassist ask ... --json`` with the server up: seconds, provider, degraded.
2. The server SIGKILLed right after the first answer token: seconds from the kill to the final
   answer (the offline one, after the cut-off text) and the sentence that says why.

    nice -n 10 .venv/bin/python scripts/bench/llm_bound.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, SHARED
from llm import router_for

SPEC = SHARED / "specs" / "twilio" / "twilio_accounts_v1.json"
QUESTION = "How do I create a public key credential?"


def cli_json(data: Path, server) -> dict:
    """Run `apiassist ask --json` against the server; return the parsed answer."""
    env = os.environ | server.env() | {"HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(data), "ask", QUESTION, "--json"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout)


def killed_mid_stream(assistant, server) -> tuple[float, float, object]:
    """SIGKILL the server after the first token; return (seconds to first token, kill to final, answer)."""
    from src.rag.generation.events import Final, TextDelta
    from src.rag.generation.offline import compose_offline

    hits = assistant.search(QUESTION)
    offline = compose_offline(QUESTION, hits, {h.api: assistant.get_spec(h.api) for h in hits})
    started, first, killed = time.monotonic(), 0.0, 0.0
    for event in router_for(server, 400).stream(QUESTION, hits, offline):
        if isinstance(event, TextDelta) and not killed:
            first = time.monotonic() - started
            server.kill()
            killed = time.monotonic()
        elif isinstance(event, Final):
            return first, time.monotonic() - killed, event.answer
    raise SystemExit("the stream ended without a final answer")


def main() -> int:
    """Run both scenarios and print their figures."""
    from src.core.config import Settings
    from src.rag.service import Assistant
    from tests.llm.llama_server import start_llama_server

    work = Path(tempfile.mkdtemp(prefix="bench-bound-"))
    data = work / "data"
    assistant = Assistant(Settings(data_dir=data, llm_provider="offline"))
    assistant.index_path(SPEC)
    bound = Settings().llm_max_wait_s
    server = start_llama_server(work / "server.log")
    try:
        answer = cli_json(data, server)
        print(f"up:     apiassist ask --json: {answer['seconds']:.1f} s (bound {bound:g} s), provider "
              f"{answer['provider']}, degraded {answer['degraded']}, {answer['usage']['prompt_tokens']} prompt + "
              f"{answer['usage']['completion_tokens']} completion tokens ({answer['usage']['counted_by']})"
              + (f"; why: {answer['degraded_reason']}" if answer["degraded"] else ""))
        first, after_kill, killed = killed_mid_stream(assistant, server)
    finally:
        server.stop()
    print(f"killed: first token after {first:.1f} s, SIGKILL, final answer {after_kill:.2f} s later (bound "
          f"{bound:g} s); degraded {killed.degraded}: {killed.degraded_reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
