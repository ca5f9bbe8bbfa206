"""The `keys` and `serve` commands, and the per-key rate limit on a server started in-process."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.api.conftest import apiassist
from tests.ops.helpers import free_port


def test_keys_create_list_revoke_store_only_hashes(tmp_path) -> None:
    data = tmp_path / "data"
    made = json.loads(apiassist(data, "keys", "create", "--name", "ci", "--scope", "write", "--json").stdout)
    listed = apiassist(data, "keys", "list", "--json")
    revoked = apiassist(data, "keys", "revoke", made["id"])
    again = apiassist(data, "keys", "revoke", made["id"])
    after = json.loads(apiassist(data, "keys", "list", "--json").stdout)
    assert made["key"].startswith(f"aia_{made['id']}_") and made["scope"] == "write"
    assert made["key"] not in listed.stdout and json.loads(listed.stdout)[0]["active"] is True
    assert made["key"].encode() not in (data / "app.db").read_bytes()
    assert revoked.returncode == 0 and revoked.stdout.startswith(f"Revoked key {made['id']}")
    assert again.returncode == 1 and again.stderr.startswith(f"error: There is no active key '{made['id']}'")
    assert after[0]["active"] is False and after[0]["revoked_at"]


def test_keys_reject_a_bad_scope_and_name(tmp_path) -> None:
    bad_scope = apiassist(tmp_path / "d", "keys", "create", "--name", "x", "--scope", "root")
    bad_name = apiassist(tmp_path / "d", "keys", "create", "--name", "x" * 80)
    assert bad_scope.returncode == 2 and "invalid choice: 'root'" in bad_scope.stderr
    assert bad_name.returncode == 1 and bad_name.stderr.count("\n") == 1 and "key name" in bad_name.stderr


def test_no_auth_is_refused_on_a_public_address(tmp_path) -> None:
    refused = apiassist(tmp_path / "d", "serve", "--host", "0.0.0.0", "--no-auth")
    assert refused.returncode == 2
    assert refused.stderr.strip() == ("error: --no-auth is only allowed on a loopback address, not 0.0.0.0; bind "
                                      "127.0.0.1 or create a key with `apiassist keys create`.")


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """Run an ASGI app on a uvicorn server thread on a free loopback port; yield its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def limited(tmp_path) -> Iterator[tuple[str, str]]:
    """A server whose keys get 2 requests in a burst and 6 a minute; yields (url, key)."""
    from app.api.app import create_app
    from src.core.config import Settings
    from src.rag.keys import ApiKeyStore

    settings = Settings(data_dir=tmp_path / "data", api_rate_limit_per_minute=6, api_rate_limit_burst=2)
    _, key = ApiKeyStore(settings.data_dir).create("limited", "read")
    with serving(create_app(settings)) as url:
        yield url, key


def test_no_auth_on_loopback_admits_requests_without_a_key(tmp_path) -> None:
    from app.api.app import create_app
    from src.core.config import Settings

    with serving(create_app(Settings(data_dir=tmp_path / "data"), no_auth=True)) as url:
        apis = httpx.get(f"{url}/api/v1/apis")
        keys = httpx.get(f"{url}/api/v1/keys")
    assert apis.status_code == 200 and apis.json() == {"apis": []}
    assert keys.status_code == 200 and int(apis.headers["x-ratelimit-remaining"]) >= 0


def test_rate_limit_answers_429_with_retry_after_and_headers(limited) -> None:
    url, key = limited
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
        replies = [client.get("/api/v1/apis") for _ in range(3)]
    first, second, third = replies
    assert [r.status_code for r in replies] == [200, 200, 429]
    assert first.headers["x-ratelimit-limit"] == "6" and first.headers["x-ratelimit-remaining"] == "1"
    assert second.headers["x-ratelimit-remaining"] == "0" and int(second.headers["x-ratelimit-reset"]) >= 10
    assert int(third.headers["retry-after"]) >= 1 and third.headers["x-ratelimit-remaining"] == "0"
    assert third.json()["error"]["type"] == "rate_limit_exceeded"
    assert third.json()["error"]["message"].startswith("You are asking faster than this server allows; wait ")
