"""Issue 2's contract, end to end through the `apiassist` CLI on real specs, real ChromaDB and the real model."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, shared
from tests.e2e.conftest import run_cli, search_paths

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def independent_operation_count(spec_path) -> int:
    """Count operations straight from the raw JSON, without our parser."""
    doc = json.loads(spec_path.read_text())
    return sum(1 for item in doc["paths"].values() for m in item if m in HTTP_METHODS)


def test_stripe_indexes_every_operation_and_reindex_changes_nothing(big_library, capsys):
    stripe = shared("specs", "stripe_spec3_2022-04.json")
    code, out, _ = run_cli(capsys, "--data-dir", str(big_library), "list", "--json")
    apis = {a["title"]: a for a in json.loads(out)}
    expected = independent_operation_count(stripe)
    assert expected == 417 and apis["Stripe API"]["operations"] == expected
    assert {"api", "title", "version", "format", "operations", "chunks", "source"} <= set(apis["Stripe API"])
    assert apis["Stripe API"]["source"] == "stripe_spec3_2022-04.json"
    from src.core.config import Settings
    from src.rag.service import Assistant

    assistant = Assistant(Settings(data_dir=big_library))
    before = assistant.store.count()
    report = assistant.index_path(stripe)
    assert report.ok and report.unchanged and report.embedded == 0
    forced = assistant.reindex(report.api)
    assert forced.ok and forced.embedded == 0  # every chunk's text is unchanged: nothing re-embedded
    assert assistant.store.count() == before and assistant.embedder.encoded_texts == 0


@pytest.mark.parametrize("query,expected,k", [
    ("refund a charge", "POST /v1/refunds", 3),
    ("How do I refund a charge?", "POST /v1/refunds", 3),
    ("attach a payment method to a customer", "POST /v1/payment_methods/{payment_method}/attach", 3),
    ("cancel a subscription", "DELETE /v1/subscriptions/{subscription_exposed_id}", 3),
    ("read the logs of a pod", "GET /api/v1/namespaces/{namespace}/pods/{name}/log", 3),
    ("delete a namespace", "DELETE /api/v1/namespaces/{name}", 3),
    ("list pods in a namespace", "GET /api/v1/namespaces/{namespace}/pods", 3),
])
def test_search_finds_the_endpoint(big_library, capsys, query, expected, k):
    assert expected in search_paths(capsys, big_library, query, k)


def test_search_json_contract_and_batch_mode(big_library, capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("refund a charge\n\nlist pods\n"))
    code, out, _ = run_cli(capsys, "--data-dir", str(big_library), "search", "-", "--json", "--top-k", "2")
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert code == 0 and [line["query"] for line in lines] == ["refund a charge", "list pods"]
    hit = lines[0]["hits"][0]
    assert set(hit) == {"api", "kind", "method", "path", "source", "score", "title"}


def test_search_filter_to_one_api(big_library, capsys):
    code, out, _ = run_cli(capsys, "--data-dir", str(big_library), "list", "--json")
    k8s = next(a["api"] for a in json.loads(out) if a["title"] == "Kubernetes")
    code, out, _ = run_cli(capsys, "--data-dir", str(big_library), "search", "delete something", "--api", k8s, "--json")
    assert {h["api"] for h in json.loads(out)["hits"]} == {k8s}


def test_ask_refund_names_endpoint_cites_pointer_and_shows_code(big_library, capsys):
    code, out, _ = run_cli(capsys, "--data-dir", str(big_library), "ask", "How do I refund a charge?", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["provider"] == "offline" and answer["degraded"] is False
    # Stripe has two right answers: the top-level refund and the refund nested under its charge.
    first = answer["plan"][0]
    assert (first["method"], first["path"]) in {("POST", "/v1/refunds"), ("POST", "/v1/charges/{charge}/refunds")}
    assert answer["answer"].startswith(f"### `POST {first['path']}`") and first["pointer"] in answer["answer"]
    base = "https://api.stripe.com" + first["path"].split("/{")[0]  # the URL up to the first path value
    langs = {c["language"]: c["code"] for c in answer["code"]}
    assert all(base in langs[lang] and "/refunds" in langs[lang] for lang in ("curl", "python"))
    assert langs["curl"].startswith(f"# POST {first['path']}")
    ast.parse(langs["python"])
    assert answer["unverified"] == []
    code, out, _ = run_cli(capsys, "--data-dir", str(big_library), "ask", "How do I refund a charge?")
    assert code == 0 and f"POST {first['path']}" in out and "curl" in out


def test_ask_with_dead_llm_degrades_and_exits_zero(big_library):
    from tests.generation.fake_servers import dead_url

    env = os.environ | {"APIASSIST_LLM_PROVIDER": "openai", "APIASSIST_LLM_BASE_URL": dead_url(),
                        "APIASSIST_LLM_MODEL": "gpt-test", "APIASSIST_LLM_API_KEY": "sk-test-secret",
                        "APIASSIST_LLM_FIRST_TOKEN_TIMEOUT_S": "5", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "app.cli", "--data-dir", str(big_library), "ask",
                           "How do I refund a charge?", "--json"], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["degraded"] is True and answer["degraded_reason"]
    assert "POST /v1/refunds" in answer["answer"]
    assert "sk-test-secret" not in proc.stdout + proc.stderr


def test_commands_that_need_no_model_never_load_it(big_library, tmp_path):
    env = os.environ | {"APIASSIST_EMBEDDING_MODEL": str(tmp_path / "no-such-model"), "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "app.cli", "--data-dir", str(big_library)]
    listed = subprocess.run(cli + ["list", "--json"], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert listed.returncode == 0 and json.loads(listed.stdout)
    helped = subprocess.run(cli + ["--help"], capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert helped.returncode == 0 and "search" in helped.stdout
    broken = subprocess.run(cli + ["search", "pods"], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert broken.returncode == 1 and "could not be loaded" in broken.stderr and "Traceback" not in broken.stderr


def test_index_reports_each_file_and_exits_one_on_failure(tmp_path, capsys):
    bad = tmp_path / "broken.yaml"
    bad.write_text("openapi: 3.0.0\ninfo: [unclosed\n")
    good = shared("specs", "twilio")
    small = min(good.glob("*.json"), key=lambda p: p.stat().st_size)
    code, out, _ = run_cli(capsys, "--data-dir", str(tmp_path / "d"), "index", str(bad), str(small))
    lines = out.strip().splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("failed: broken.yaml") and "operations" in lines[1]
    code, out, _ = run_cli(capsys, "--data-dir", str(tmp_path / "d"), "list", "--json")
    assert len(json.loads(out)) == 1  # the failed file left nothing behind


def test_remove_deletes_api_and_chunks(tmp_path, capsys):
    small = min(shared("specs", "twilio").glob("*.json"), key=lambda p: p.stat().st_size)
    data = str(tmp_path / "d")
    assert run_cli(capsys, "--data-dir", data, "index", str(small))[0] == 0
    api = json.loads(run_cli(capsys, "--data-dir", data, "list", "--json")[1])[0]["api"]
    code, out, _ = run_cli(capsys, "--data-dir", data, "remove", api)
    assert code == 0 and "Removed" in out
    assert json.loads(run_cli(capsys, "--data-dir", data, "list", "--json")[1]) == []
    code, _, err = run_cli(capsys, "--data-dir", data, "remove", api)
    assert code == 1 and "no API" in err and "\n" == err[-1] and err.count("\n") == 1
