"""The CLI's human-readable output through the real `apiassist` process: no terminal control sequences from
specs or models, JSON where promised, plain text without Markdown escapes, one-sentence errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.generation.fake_servers import start_openai_server

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_LINK = "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
CLEAR = "\x1b[2J\x1b[H"
CONTROL_CHARS = ("\x1b", "\x07", "\x9b", "\x9d", "\x08", "\u202e")


def hostile_spec() -> dict:
    """A small spec whose title, summaries and descriptions carry terminal escape sequences."""
    return {
        "openapi": "3.0.0",
        "info": {"title": f"Pet {OSC_TITLE}Store {OSC_LINK}{CLEAR}", "version": "1.0",
                 "description": "Manage pets\r\x1b[1Aoverwritten \u202egnirts\u202c"},
        "servers": [{"url": "https://pets.example.com/v1"}],
        "paths": {"/pets": {"get": {
            "summary": f"List pets {CLEAR}\x9b2J",
            "description": f"Returns pets (paged). Default: 20. {OSC_LINK}",
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20},
                            "description": "How many pets (1-100). Default: 20. Minimum: 1."}],
            "responses": {"200": {"description": f"The pets {OSC_TITLE}"}}}},
            "/pets/{id}": {"delete": {"summary": "Delete a pet", "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "gone"}}}}},
    }


CLI_ENV = {"HF_HUB_OFFLINE": "1", "APIASSIST_LLM_PROVIDER": "offline"}


def cli(data, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real `apiassist` in a child process."""
    return subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(data), *args], input=stdin,
                          capture_output=True, text=True, encoding="utf-8", env=os.environ | CLI_ENV | (env or {}),
                          cwd=REPO, timeout=600)


def controls_in(proc: subprocess.CompletedProcess) -> list[str]:
    """Return the terminal control characters found on stdout or stderr."""
    return [c for c in CONTROL_CHARS if c in proc.stdout + proc.stderr]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Index the hostile spec once; returns (root folder, data dir, spec file, the index run)."""
    root = tmp_path_factory.mktemp("cli-output")
    spec = root / "pets.json"
    spec.write_text(json.dumps(hostile_spec()))
    data = root / "data"
    indexed = cli(data, "index", str(spec))
    assert indexed.returncode == 0, indexed.stderr
    return root, data, spec, indexed


@pytest.fixture(scope="module")
def runs(library):
    """Run every command once on the indexed library; returns command name -> finished process."""
    root, data, spec, indexed = library
    out = {"index": indexed}
    api = json.loads(cli(data, "list", "--json").stdout)[0]["api"]
    out |= {
        "inspect": cli(data, "inspect", str(spec)),
        "inspect-json": cli(data, "inspect", str(spec), "--json"),
        "reindex": cli(data, "index", str(spec)),
        "list": cli(data, "list"),
        "search": cli(data, "search", "list pets", "--top-k", "3"),
        "search-json": cli(data, "search", "list pets", "--json"),
        "search-stdin": cli(data, "search", "-", stdin="list pets\n\ndelete a pet\n"),
        "ask": cli(data, "ask", "How do I list pets?"),
        "ask-bogus": cli(data, "ask", "How do I list pets?", "--api", "bogus@9"),
        "health": cli(data, "health"),
        "stats": cli(data, "stats"),
        "stats-json": cli(data, "stats", "--json"),
        "remove-missing": cli(data, "remove", f"{api}x"),
        "empty-search": cli(root / "empty", "search", "list pets"),
    }
    return out


def test_no_escape_sequence_from_a_spec_reaches_the_terminal(runs):
    found = {name: controls_in(proc) for name, proc in runs.items() if not name.endswith("-json")}
    assert found == {name: [] for name in found}
    assert "Pet Store click here" in runs["list"].stdout and "Pet Store" in runs["index"].stdout
    assert "List pets" in runs["search"].stdout and "List pets" in runs["ask"].stdout


def test_json_output_stays_valid_and_keeps_the_text(runs):
    inspected = json.loads(runs["inspect-json"].stdout)[0]
    assert OSC_TITLE in inspected["title"]  # JSON escapes control characters; consumers get the data as it is
    hits = json.loads(runs["search-json"].stdout)["hits"]
    assert any(CLEAR in h["title"] for h in hits)
    assert "\x1b" not in runs["search-json"].stdout  # written as \u001b


def test_model_tokens_are_neutralised_while_streaming(library):
    data = library[1]
    reply = (f"Call GET /pets {OSC_TITLE}to list pets {CLEAR}and follow {OSC_LINK} "
             "\x1b]0;split across\x07 tokens \x9b31mred\x07 done.")
    url, server = start_openai_server(reply=reply, delay_s=0.0)
    with server:
        proc = cli(data, "ask", "How do I list pets?", env={
            "APIASSIST_LLM_PROVIDER": "openai", "APIASSIST_LLM_BASE_URL": url, "APIASSIST_LLM_MODEL": "test-model",
            "APIASSIST_LLM_API_KEY": "sk-test"})
    assert proc.returncode == 0, proc.stderr
    assert controls_in(proc) == []
    assert "to list pets" in proc.stdout and "done." in proc.stdout and len(server.requests) >= 1


def test_search_dash_prints_json_lines(runs):
    proc = runs["search-stdin"]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and [line["query"] for line in lines] == ["list pets", "delete a pet"]
    assert all(line["hits"] for line in lines)


def test_stats_print_text_unless_json(runs):
    text = runs["stats"].stdout
    assert runs["stats"].returncode == 0 and not text.lstrip().startswith("{")
    assert re.search(r"^apis: 1$", text, re.MULTILINE) and re.search(r"^chunks: \d+$", text, re.MULTILINE)
    assert json.loads(runs["stats-json"].stdout)["apis"] == 1


def test_an_unknown_api_is_named_in_one_sentence(runs):
    proc = runs["ask-bogus"]
    assert proc.returncode == 1 and proc.stdout == ""
    assert "'bogus@9'" in proc.stderr and proc.stderr.count("\n") == 1 and "matches" not in proc.stderr
    assert "no API" in runs["remove-missing"].stderr and runs["remove-missing"].returncode == 1


def test_search_on_an_empty_library_says_to_index_first(runs):
    proc = runs["empty-search"]
    assert proc.returncode == 1 and "library is empty" in proc.stderr and "apiassist index" in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_terminal_answers_show_no_markdown_escapes(runs):
    out = runs["ask"].stdout
    assert "Python (requests)" in out and "Default: 20." in out
    assert not re.search(r"\\[().\[\]*_#`-]", out.split("```")[0])  # no backslash escapes in the prose


def test_printed_ranks_follow_the_printed_order(runs):
    lines = runs["search"].stdout.splitlines()
    assert lines[0] == "# list pets" and lines[1].startswith("rank  score")
    rows = [re.match(r"^\s*(\d+)\s+(\d\.\d{3})\s+(.*)$", line) for line in lines[2:]]
    assert rows and all(rows)
    assert [int(r.group(1)) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r.group(2)) for r in rows]
    assert scores == sorted(scores, reverse=True)  # the printed score is the one the order comes from
    assert "GET /pets" in rows[0].group(3)


def test_a_reader_that_stops_early_ends_the_command_quietly(library):
    _, data, _, _ = library
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "--data-dir", str(data), "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=os.environ | CLI_ENV, cwd=REPO)
    proc.stdout.close()  # as `apiassist list | head -0` does: nobody reads what the command prints
    errors = proc.stderr.read().decode()
    assert proc.wait(timeout=600) == 141 and errors == ""
