"""The real ask path against a real llama.cpp server (SmolLM2-135M on CPU): streaming, usage, cancel, retries."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from src.core.config import Settings
from src.rag.generation.base import ProviderConfig, ProviderKind
from src.rag.generation.events import Final, Progress, TextDelta
from src.rag.generation.offline import compose_offline
from src.rag.generation.router import GenerationRouter, slot_for
from tests.llm.llama_server import CHAT, GENERATION_DONE, MODEL_ALIAS, LlamaServer, wait_until_idle

REPO = Path(__file__).resolve().parents[2]
QUESTION = "How do I create a public key credential?"
ENDPOINT = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[\w{}/.\-]*)")


def cli(library: Path, server: LlamaServer, *args: str, **env: str) -> subprocess.Popen:
    """Start `apiassist ask` in a subprocess against the server, stdout and stderr piped."""
    environ = os.environ | server.env(**({"APIASSIST_LLM_MAX_TOKENS": "120"} | env)) | {
        "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(library), "ask", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ, cwd=REPO)


def read_live(stream, sink: list[tuple[float, str]]) -> threading.Thread:
    """Collect (monotonic time, text) pairs from a byte pipe as they arrive."""
    def pump() -> None:
        while chunk := os.read(stream.fileno(), 4096):
            sink.append((time.monotonic(), chunk.decode(errors="replace")))
    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def offline_for(assistant, question: str, hits) -> object:
    """Return the offline composer's answer for retrieved hits."""
    return compose_offline(question, hits, {h.api: assistant.get_spec(h.api) for h in hits})


def server_count(server: LlamaServer, text: str) -> int:
    """Count a text's tokens with the server's own tokenizer."""
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/extras/tokenize/count",
                                     data=json.dumps({"input": text}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        return int(json.loads(resp.read())["count"])


@pytest.fixture(scope="session")
def library_assistant(llm_library):
    """An Assistant on the indexed library (offline provider: the tests build their own routers)."""
    from src.rag.service import Assistant

    return Assistant(Settings(data_dir=llm_library, llm_provider="offline"))


def router_on(server: LlamaServer, **overrides: object) -> GenerationRouter:
    """Return a router with one provider: the real server."""
    settings = Settings(llm_provider="offline", llm_backoff_s=0.1, **overrides)  # type: ignore[arg-type]
    config = ProviderConfig(kind=ProviderKind.OPENAI, base_url=server.base_url, model=MODEL_ALIAS,
                            first_token_timeout_s=settings.llm_first_token_timeout_s,
                            idle_timeout_s=settings.llm_idle_timeout_s, context_tokens=server.n_ctx,
                            max_retries=settings.llm_max_retries, max_tokens=settings.llm_max_tokens)
    return GenerationRouter([slot_for(config, settings)], max_wait_s=settings.llm_max_wait_s)


def test_cli_streams_the_real_models_tokens_and_says_what_it_waits_for(idle_server, llm_library) -> None:
    mark = idle_server.mark()
    proc = cli(llm_library, idle_server, QUESTION)
    out: list[tuple[float, str]] = []
    reader = read_live(proc.stdout, out)
    err = proc.stderr.read().decode()
    proc.wait(timeout=600)
    reader.join(timeout=10)
    assert proc.returncode == 0, err
    done_at = idle_server.wait_for(mark, GENERATION_DONE)[-1][0]
    text_chunks = [t for t, chunk in out if chunk.strip()]
    # Tokens reached the terminal while the server was still generating, not in one piece at the end.
    assert text_chunks and text_chunks[0] < done_at
    assert re.search(rf"{MODEL_ALIAS} is reading [\d,]+ prompt tokens…", err)
    assert "Read " in err and "note:" not in err  # the answer was not degraded
    assert len(idle_server.since(mark, CHAT)) == 1


def test_cli_json_answer_comes_from_the_model_with_server_counted_usage(idle_server, llm_library,
                                                                       library_assistant) -> None:
    proc = cli(llm_library, idle_server, QUESTION, "--json")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    answer = json.loads(out)
    assert MODEL_ALIAS in answer["provider"] and answer["degraded"] is False
    usage = answer["usage"]
    assert usage["counted_by"] == "server tokenizer" and usage["estimated"] is False
    assert usage["completion_tokens"] == server_count(idle_server, answer["answer"])
    assert 200 < usage["prompt_tokens"] < idle_server.n_ctx
    # Every endpoint the model names that the index lacks is flagged, and no real one is.
    known, _ = library_assistant.known_references()
    named = {f"{m} {p.rstrip('.')}" for m, p in ENDPOINT.findall(answer["answer"])}
    flagged = " ".join(answer["unverified"])
    for endpoint in named - known:
        assert endpoint in flagged
    for endpoint in named & known:
        assert endpoint not in flagged


def test_closing_the_stream_stops_the_generation_on_the_server(idle_server, library_assistant) -> None:
    hits = library_assistant.search(QUESTION, top_k=2)
    router = router_on(idle_server, llm_max_tokens=400)
    mark = idle_server.mark()
    events = router.stream(QUESTION, hits, offline_for(library_assistant, QUESTION, hits))
    deltas = 0
    for event in events:
        deltas += isinstance(event, TextDelta)
        if deltas == 3:
            break
    events.close()  # the user left the page
    # Server-side evidence: the server saw the client go, stopped the generation and is free again.
    gone = idle_server.wait_for(mark, "Disconnected from client")
    assert len(idle_server.since(mark, CHAT)) == 1
    assert wait_until_idle(idle_server) >= gone[0][0]
    assert router.health()[0]["state"] == "closed"  # leaving is not a provider failure


def test_no_retry_while_the_server_still_computes_the_abandoned_prompt(idle_server, library_assistant) -> None:
    # A fresh prompt (nothing cached) of several excerpts takes the CPU model far longer than 1 s to read.
    question = f"{QUESTION} ({uuid.uuid4().hex})"
    hits = library_assistant.search(QUESTION, top_k=6)
    router = router_on(idle_server, llm_first_token_timeout_s=1.0, llm_max_retries=2)
    mark = idle_server.mark()
    events = list(router.stream(question, hits, offline_for(library_assistant, question, hits)))
    answer = events[-1].answer
    assert isinstance(events[-1], Final) and answer.degraded
    assert "still busy with that request" in answer.degraded_reason
    assert any(isinstance(e, Progress) and e.stage == "reading" for e in events)
    # The server answers the abandoned request's headers only once it has read the whole prompt.
    read_at = idle_server.wait_for(mark, CHAT)[0][0]
    wait_until_idle(idle_server)
    # It stayed the only chat request, and the busy probe was served only after that prompt was read.
    assert len(idle_server.since(mark, CHAT)) == 1
    # The access log line is written after the reply, so wait for it rather than read the log at once.
    probes = idle_server.wait_for(mark, '"GET /v1/models')
    assert probes[0][0] >= read_at
    assert router.health()[0]["consecutive_failures"] == 1  # one user request, one failure


def test_a_server_killed_mid_stream_leaves_the_user_with_the_offline_answer(llm_library, tmp_path) -> None:
    from tests.llm.llama_server import start_llama_server

    server = start_llama_server(tmp_path / "doomed.log")  # its own server: this one dies
    try:
        proc = cli(llm_library, server, QUESTION, APIASSIST_LLM_MAX_TOKENS="400")
        out: list[tuple[float, str]] = []
        reader = read_live(proc.stdout, out)
        end = time.monotonic() + 600
        while not any(chunk.strip() for _, chunk in out) and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert out, "no answer text arrived before the kill"
        server.kill()  # SIGKILL mid-answer: no goodbye, the socket just dies
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
        reader.join(timeout=10)
    finally:
        server.stop()
    text = "".join(chunk for _, chunk in out)
    assert proc.returncode == 0, err
    assert f"[Answer cut off: the LLM at http://127.0.0.1:{server.port}/v1 closed the connection mid-answer" in text
    assert "The answer composed offline from the spec follows." in text
    assert "POST /v1/Credentials/PublicKeys" in text.split("[Answer cut off")[1]  # the offline answer itself
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and notes[0].count(". ") == 0  # one sentence says why
    assert "closed the connection mid-answer" in notes[0] and "composed offline" in notes[0]


def test_chat_page_streams_the_real_models_answer_and_shows_its_progress(idle_server, llm_library,
                                                                        monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import MAIN, TIMEOUT, ask, texts

    for key, value in idle_server.env(APIASSIST_LLM_MAX_TOKENS="80").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("APIASSIST_DATA_DIR", str(llm_library))
    mark = idle_server.mark()
    at = ask(AppTest.from_file(str(MAIN), default_timeout=TIMEOUT * 3).run(), QUESTION)
    assert not at.exception
    shown = texts(at)
    assert re.search(r"Read [\d,]+ prompt tokens and wrote [\d,]+ tokens", shown)  # the progress line
    assert f"openai:{MODEL_ALIAS}" in shown  # the usage caption names the model that answered
    assert "composed offline" not in shown.lower()
    assert len(idle_server.since(mark, CHAT)) == 1
