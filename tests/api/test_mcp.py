"""The `mcp` SDK's own client over stdio (spawning `apiassist mcp`) and over streamable HTTP at /mcp."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.api.conftest import API, INDEXED_SPEC, cli_env
from tests.conftest import REPO, shared

TOOLS = {"list_apis", "search_endpoints", "get_operation", "generate_code", "plan_integration", "ask"}
JOBS = "POST /v1/Exports/{ResourceType}/Jobs"
CALLS = [
    ("list_apis", {}),
    ("search_endpoints", {"query": "create an export job", "top_k": 3}),
    ("get_operation", {"api": API, "operation": JOBS}),
    ("generate_code", {"api": API, "operation": JOBS, "languages": ["python"]}),
    ("plan_integration", {"task": "create an export job, then fetch the job", "api": API}),
    ("ask", {"question": "How do I create an export job?"}),
]


async def _exercise(client: Client) -> dict:
    """List tools and resources, call every tool, read one spec; return what came back."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    results = {name: await client.call_tool(name, args) for name, args in CALLS}
    resources = (await client.list_resources()).resources
    spec = await client.read_resource(f"apiassist://specs/{API}")
    missing = await client.call_tool("get_operation", {"api": API, "operation": "GET /nope"})
    return {"tools": tools, "results": results, "resources": resources, "spec": spec, "missing": missing}


def _check(seen: dict) -> None:
    tools, results = seen["tools"], seen["results"]
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert len(tool.description) > 60 and tool.annotations.read_only_hint is True
    assert tools["get_operation"].input_schema["required"] == ["api", "operation"]
    assert "description" in tools["search_endpoints"].input_schema["properties"]["query"]
    for name, result in results.items():
        assert not result.is_error, (name, result.content)
        assert json.loads(result.content[1].text) == result.structured_content
    data = {name: r.structured_content for name, r in results.items()}
    assert [a["api"] for a in data["list_apis"]["apis"]] == [API]
    assert data["search_endpoints"]["hits"][0]["path"] == "/v1/Exports/{ResourceType}/Jobs"
    assert "StartDay" in {f["name"] for f in data["get_operation"]["request_body"]["fields"]}
    assert "**POST /v1/Exports/{ResourceType}/Jobs**" in results["get_operation"].content[0].text
    assert data["generate_code"]["samples"][0]["language"] == "python"
    assert "```python" in results["generate_code"].content[0].text
    assert JOBS in [f"{s['method']} {s['path']}" for s in data["plan_integration"]["steps"]]
    assert data["ask"]["sources"] and "Sources:" in results["ask"].content[0].text
    assert [r.name for r in seen["resources"]] == [API]
    original = json.loads(shared(*INDEXED_SPEC).read_bytes())
    assert json.loads(seen["spec"].contents[0].text) == original
    assert seen["missing"].is_error and "has no operation 'GET /nope'" in seen["missing"].content[0].text


def doc_configs() -> list[dict]:
    """Return every JSON block of docs/api.md, parsed (each must be valid JSON to paste into an IDE)."""
    text = (REPO / "docs" / "api.md").read_text()
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


def test_every_config_in_the_docs_is_valid_json_naming_our_server() -> None:
    configs = [c for c in doc_configs() if "mcpServers" in c or "servers" in c]
    entries = [(c.get("mcpServers") or c["servers"])["apiassist"] for c in configs]
    assert len(entries) == 5
    assert all(e.get("args") == ["mcp"] or e["url"].endswith("/mcp") for e in entries)


def test_stdio_server_spawned_from_the_documented_config(library) -> None:
    entry = next(c["mcpServers"]["apiassist"] for c in doc_configs() if "command" in c.get("mcpServers", {}).get(
        "apiassist", {}))
    command = Path(sys.executable).with_name(entry["command"])  # the IDE finds it on PATH; here, in the venv
    env = cli_env(library.copy_dir) | {k: v for k, v in entry["env"].items() if k != "APIASSIST_DATA_DIR"}
    params = StdioServerParameters(command=str(command), args=entry["args"], env=env, cwd=str(REPO))

    async def run() -> dict:
        async with Client(params, read_timeout_seconds=180) as client:
            return await _exercise(client)

    _check(anyio.run(run))


def test_streamable_http_from_the_documented_config(server) -> None:
    entry = next(c["mcpServers"]["apiassist"] for c in doc_configs()
                 if c.get("mcpServers", {}).get("apiassist", {}).get("type") == "http")
    url = entry["url"].replace("http://127.0.0.1:8000", server.url)
    headers = {k: v.replace("${APIASSIST_KEY}", server.library.keys["read"]) for k, v in entry["headers"].items()}
    transport = streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))

    async def run() -> dict:
        async with Client(transport, read_timeout_seconds=180) as client:
            return await _exercise(client)

    _check(anyio.run(run))


def test_streamable_http_needs_a_valid_key(server) -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"Accept": "application/json, text/event-stream"}
    missing = httpx2.post(f"{server.url}/mcp", json=message, headers=accept)
    wrong = httpx2.post(f"{server.url}/mcp", json=message, headers=accept | {"Authorization": "Bearer aia_1234abcd_x"})
    assert missing.status_code == 401 and missing.json()["error"]["type"] == "authentication_error"
    assert wrong.status_code == 401 and "not valid" in wrong.json()["error"]["message"]
