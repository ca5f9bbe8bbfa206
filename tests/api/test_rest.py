"""Every REST route through httpx against a real `apiassist serve`: answers, errors, limits and SSE."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from src.rag.codegen import SUPPORTED_LANGUAGES
from tests.api.conftest import API, UPLOAD_SPECS
from tests.conftest import shared

JOBS = "POST /v1/Exports/{ResourceType}/Jobs"


def _sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_probes_and_request_ids(server) -> None:
    with server.client(None) as client:
        health = client.get("/healthz")
        echoed = client.get("/healthz", headers={"X-Request-ID": "trace-42"})
        unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        ready = client.get("/readyz")
    assert health.json() == {"status": "ok"} and len(health.headers["x-request-id"]) == 32
    assert echoed.headers["x-request-id"] == "trace-42"
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"
    body = ready.json()
    assert ready.status_code == 200 and body["status"] == "ready"
    assert body["store"]["ok"] and body["store"]["chunks"] > 0
    assert body["embedding"]["ok"] and body["providers"][-1]["name"] == "offline"


def test_every_log_line_of_a_request_carries_its_id(server, serve_log) -> None:
    with server.client() as client:
        assert client.post("/api/v1/search", json={"query": "list export days"},
                           headers={"X-Request-ID": "log-probe-7"}).status_code == 200
    lines = [line for line in serve_log.read_text().splitlines() if "log-probe-7" in line]
    events = " ".join(lines)
    assert "search.done" in events and "http.request" in events, events


def test_list_search_and_operation(server) -> None:
    with server.client() as client:
        apis = client.get("/api/v1/apis").json()["apis"]
        hits = client.post("/api/v1/search", json={"query": "create an export job", "top_k": 3}).json()["hits"]
        op = client.get(f"/api/v1/apis/{API}/operation", params={"ref": JOBS}).json()
        ops = client.get(f"/api/v1/apis/{API}/operations").json()["operations"]
    assert [a["api"] for a in apis] == [API]
    assert f"{hits[0]['method']} {hits[0]['path']}" == JOBS
    assert op["pointer"] == "#/paths/~1v1~1Exports~1{ResourceType}~1Jobs/post"
    assert {p["name"] for p in op["parameters"]} == {"ResourceType"}
    assert {"StartDay", "EndDay", "FriendlyName"} <= {f["name"] for f in op["request_body"]["fields"]}
    assert len(ops) == 9 and all(o["pointer"].startswith("#/paths/") for o in ops)


def test_operation_by_operation_id_and_unknown_ones(server) -> None:
    with server.client() as client:
        ops = client.get(f"/api/v1/apis/{API}/operations").json()["operations"]
        by_id = client.get(f"/api/v1/apis/{API}/operation", params={"ref": ops[0]["operation_id"]})
        missing = client.get(f"/api/v1/apis/{API}/operation", params={"ref": "GET /nope"})
        no_api = client.get("/api/v1/apis/nope@1/operation", params={"ref": JOBS})
        no_route = client.get("/api/v1/nothing-here")
    assert by_id.status_code == 200 and by_id.json()["path"] == ops[0]["path"]
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found"
    assert "GET /nope" in missing.json()["error"]["message"]
    assert no_api.status_code == 404
    assert no_api.json()["error"]["message"].startswith("There is no API 'nope@1' in the library")
    assert no_route.status_code == 404 and no_route.json()["error"]["message"].startswith("There is no route")


def test_code_samples_in_chosen_languages(server) -> None:
    with server.client() as client:
        two = client.get(f"/api/v1/apis/{API}/code", params={"ref": JOBS, "language": "python,curl"}).json()
        repeated = client.get(f"/api/v1/apis/{API}/code", params=[("ref", JOBS), ("language", "js"),
                                                                    ("language", "python")]).json()
        every = client.get(f"/api/v1/apis/{API}/code", params={"ref": JOBS}).json()
        bad = client.get(f"/api/v1/apis/{API}/code", params={"ref": JOBS, "language": "cobol"})
    assert [s["language"] for s in two["samples"]] == ["python", "curl"]
    assert "/v1/Exports/" in two["samples"][1]["code"] and "curl" in two["samples"][1]["code"]
    assert [s["language"] for s in repeated["samples"]] == ["javascript", "python"]
    assert {s["language"] for s in every["samples"]} == set(SUPPORTED_LANGUAGES)
    assert bad.status_code == 400
    assert bad.json()["error"] == {"type": "invalid_request", "message": "Code samples are not available in 'cobol': "
                                                                         f"choose one of {', '.join(SUPPORTED_LANGUAGES)}."}


def test_ask_as_json(server) -> None:
    with server.client() as client:
        answer = client.post("/api/v1/ask", json={"question": "How do I create an export job?"}).json()
    assert JOBS.split(" ", 1)[1] in answer["answer"]
    assert f"{answer['sources'][0]['method']} {answer['sources'][0]['path']}" == JOBS
    assert {c["language"] for c in answer["code"]} == set(SUPPORTED_LANGUAGES)
    assert answer["provider"] == "offline" and answer["degraded"] is False


def _logged(log: Path, request_id: str, last_event: str, timeout_s: float = 30) -> str:
    """Return the server's log lines of one request, once its last event is written (after the reply ends)."""
    end = time.monotonic() + timeout_s
    while True:
        logged = " ".join(line for line in log.read_text().splitlines() if request_id in line)
        if last_event in logged or time.monotonic() > end:
            return logged
        time.sleep(0.1)


def test_ask_streams_server_sent_events(server, serve_log) -> None:
    body = {"question": "How do I fetch a job?", "stream": True}
    with server.client(headers={"X-Request-ID": "sse-probe-3"}) as client, \
            client.stream("POST", "/api/v1/ask", json=body) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-request-id"] == "sse-probe-3"
        events = _sse(resp.read().decode())
    logged = _logged(serve_log, "sse-probe-3", "http.request")
    assert "search.done" in logged and "http.request" in logged
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "delta" and kinds[-1] == "answer" and set(kinds) == {"delta", "answer"}
    text = "".join(data["text"] for kind, data in events if kind == "delta")
    assert text == events[-1][1]["answer"] and events[-1][1]["sources"]


def test_ask_rejects_an_empty_question_before_streaming(server) -> None:
    with server.client() as client:
        resp = client.post("/api/v1/ask", json={"question": "   ", "stream": True})
        missing = client.post("/api/v1/ask", json={})
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "The question is empty: type what you want to know about your APIs."
    assert missing.status_code == 400 and missing.json()["error"]["message"].startswith("In 'question':")


def test_plan_returns_ranked_steps(server) -> None:
    with server.client() as client:
        plan = client.post("/api/v1/plan", json={"task": "create an export job, then fetch the job"}).json()
    keys = [f"{s['method']} {s['path']}" for s in plan["steps"]]
    assert plan["source"] in {"ranked", "planner"}
    assert JOBS in keys and "GET /v1/Exports/Jobs/{JobSid}" in keys
    assert [s["step"] for s in plan["steps"]] == list(range(1, len(keys) + 1))
    assert all(s["pointer"].startswith("#/paths/") for s in plan["steps"])
    assert plan["steps"][0]["code"]


def test_upload_list_reindex_original_and_remove(server) -> None:
    raw_path, form_path = (shared(*parts) for parts in UPLOAD_SPECS)
    with server.client("write") as client:
        raw = client.post("/api/v1/apis", params={"name": raw_path.name}, content=raw_path.read_bytes())
        again = client.post("/api/v1/apis", params={"name": raw_path.name}, content=raw_path.read_bytes())
        form = client.post("/api/v1/apis", files={"file": (form_path.name, form_path.read_bytes())})
        listed = {a["api"] for a in client.get("/api/v1/apis").json()["apis"]}
        reindexed = client.post(f"/api/v1/apis/{form.json()['api']}/reindex")
        original = client.get(f"/api/v1/apis/{form.json()['api']}/original")
        removed = [client.delete(f"/api/v1/apis/{r.json()['api']}") for r in (raw, form)]
        after = {a["api"] for a in client.get("/api/v1/apis").json()["apis"]}
    assert raw.status_code == 201 and raw.json()["ok"] and raw.json()["operations"] == 3
    assert again.status_code == 200 and again.json()["unchanged"] is True
    assert form.status_code == 201 and form.json()["title"] == "Twilio - Oauth"
    assert listed == {API, raw.json()["api"], form.json()["api"]}
    assert reindexed.status_code == 200 and reindexed.json()["embedded"] == 0
    assert json.loads(original.content) == json.loads(form_path.read_bytes())
    assert all(r.status_code == 200 and r.json()["removed_chunks"] > 0 for r in removed)
    assert after == {API}


def test_a_broken_upload_is_one_sentence_and_changes_nothing(server) -> None:
    with server.client("write") as client:
        before = client.get("/api/v1/apis").json()
        bad = client.post("/api/v1/apis", params={"name": "broken.json"}, content=b'{"openapi": "3.0.0", "paths": ')
        unnamed = client.post("/api/v1/apis", content=b"{}")
        after = client.get("/api/v1/apis").json()
    assert bad.status_code == 422 and bad.json()["error"]["type"] == "spec_error"
    assert bad.json()["error"]["message"].startswith("broken.json") and "\n" not in bad.json()["error"]["message"]
    assert unnamed.status_code == 400 and "?name=" in unnamed.json()["error"]["message"]
    assert before == after


def test_bodies_over_the_limit_get_413_before_being_read(server) -> None:
    big = b"x" * (2 * 1024 * 1024)

    def chunks():
        for start in range(0, len(big), 65536):
            yield big[start:start + 65536]

    with server.client("write") as client:
        declared = client.post("/api/v1/apis", params={"name": "big.json"}, content=big)
        streamed = client.post("/api/v1/apis", params={"name": "big.json"}, content=chunks())
        chat = client.post("/v1/chat/completions", content=big, headers={"content-type": "application/json"})
        after = client.get("/api/v1/apis").json()["apis"]
    for resp in (declared, streamed, chat):
        assert resp.status_code == 413, resp.text
        assert resp.json()["error"]["type"] == "payload_too_large"
        assert "over the 1 MB upload limit" in resp.json()["error"]["message"]
        assert resp.headers["x-request-id"]
    assert "content-length" not in streamed.request.headers
    assert [a["api"] for a in after] == [API]


@pytest.mark.parametrize(("scope", "method", "path", "status"), [
    (None, "GET", "/api/v1/apis", 401),
    ("wrong", "GET", "/api/v1/apis", 401),
    ("read", "DELETE", f"/api/v1/apis/{API}", 403),
    ("read", "POST", "/api/v1/apis?name=x.json", 403),
    ("write", "GET", "/api/v1/keys", 403),
    ("write", "GET", "/api/v1/settings", 403),
])
def test_missing_wrong_and_under_scoped_keys(server, scope, method, path, status) -> None:
    headers = {"Authorization": "Bearer aia_0000abcd_not-a-real-key"} if scope == "wrong" else {}
    with server.client(None if scope in (None, "wrong") else scope) as client:
        resp = client.request(method, path, headers=headers)
    error = resp.json()["error"]
    assert resp.status_code == status
    assert error["type"] == ("authentication_error" if status == 401 else "permission_error")
    assert error["message"].endswith(".") and error["message"].count(". ") == 0


def test_admin_manages_keys_and_reads_settings(server) -> None:
    with server.client("admin") as admin:
        made = admin.post("/api/v1/keys", json={"name": "ci-bot", "scope": "read"}).json()
        listed = admin.get("/api/v1/keys").json()["keys"]
        settings = admin.get("/api/v1/settings").json()
        with server.client(None, headers={"X-API-Key": made["key"]}) as bot:
            before = bot.get("/api/v1/apis").status_code
            admin.delete(f"/api/v1/keys/{made['id']}")
            after = bot.get("/api/v1/apis")
    assert made["key"].startswith("aia_") and made["scope"] == "read"
    assert any(k["id"] == made["id"] for k in listed) and all("key" not in k for k in listed)
    assert made["key"] not in json.dumps(listed)
    assert settings["llm_api_key"] in ("", "**********") and settings["max_upload_mb"] == 1.0
    assert before == 200 and after.status_code == 401


def test_openapi_document_describes_the_routes(server) -> None:
    with server.client(None) as client:
        doc = client.get("/openapi.json").json()
    assert {"/api/v1/search", "/api/v1/ask", "/api/v1/plan", "/api/v1/apis", "/api/v1/apis/{api}/operation",
            "/api/v1/apis/{api}/code", "/v1/chat/completions", "/v1/models", "/healthz", "/readyz"} <= set(doc["paths"])
    assert "/mcp" not in doc["paths"]


def test_metrics_scrape(server) -> None:
    with server.client() as client:
        client.post("/api/v1/ask", json={"question": "How do I list export days?"})
        client.post("/api/v1/ask", json={"question": "How do I list export days?"})
        text = client.get("/metrics").text
    assert 'apiassist_http_requests_total{method="POST",route="/api/v1/ask",status="200"}' in text
    assert 'apiassist_http_request_duration_seconds_bucket{le="0.5",method="POST",route="/api/v1/search"}' in text
    assert 'apiassist_answers_total{cached="true",degraded="false",provider="offline"}' in text
    assert 'apiassist_cache_hit_ratio{cache="answer"}' in text and 'apiassist_cache_hits{cache="embedding"}' in text
    assert 'apiassist_breaker_state{provider="offline",state="closed"} 1.0' in text
    assert 'apiassist_llm_tokens_total{kind="prompt",provider="offline"}' in text
    assert "apiassist_ingest_duration_seconds_count" in text
