"""The `serve`, `mcp` and `keys` subcommands of `apiassist` (heavy imports stay inside the commands)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from typing import Any

LOOPBACK_NAMES = ("localhost",)


def add_api_commands(sub: Any) -> None:
    """Register `serve`, `mcp` and `keys` on the CLI's subparsers."""
    sv = sub.add_parser("serve", help="serve the HTTP API, the OpenAI-compatible endpoint and MCP at /mcp")
    sv.add_argument("--host", default=None, help="address to bind (default: $APIASSIST_API_HOST or 127.0.0.1)")
    sv.add_argument("--port", type=int, default=None, help="port (default: $APIASSIST_API_PORT or 8000)")
    sv.add_argument("--no-auth", action="store_true", help="no API keys (loopback addresses only, for development)")
    sub.add_parser("mcp", help="run the MCP server over stdio (for IDE configurations)")
    ks = sub.add_parser("keys", help="create, list and revoke API keys")
    kc = ks.add_subparsers(dest="keys_command", required=True)
    cr = kc.add_parser("create", help="create a key (its secret is printed once)")
    cr.add_argument("--name", required=True)
    cr.add_argument("--scope", default="read", choices=["read", "write", "admin"],
                    help="read = search/ask/code, write = + upload/remove, admin = + keys and settings")
    cr.add_argument("--json", action="store_true")
    ls = kc.add_parser("list", help="list keys (never their secrets)")
    ls.add_argument("--json", action="store_true")
    rv = kc.add_parser("revoke", help="revoke a key by id or name")
    rv.add_argument("key")


def is_loopback(host: str) -> bool:
    """Tell whether `host` only accepts connections from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(assistant: Any, args: argparse.Namespace) -> int:
    """Run the ASGI app on uvicorn until interrupted."""
    import uvicorn

    from app.api.app import create_app
    from src.core.logging import configure_logging

    settings = assistant.settings
    host, port = args.host or settings.api_host, args.port or settings.api_port
    if args.no_auth and not is_loopback(host):
        print(f"error: --no-auth is only allowed on a loopback address, not {host}; bind 127.0.0.1 "
              "or create a key with `apiassist keys create`.", file=sys.stderr)
        return 2
    configure_logging(settings.env.value == "production", os.environ.get("APIASSIST_LOG_LEVEL", "INFO"), force=True)
    if not args.no_auth and not key_store(settings).list():
        print("note: no API keys yet; create one with `apiassist keys create --name NAME --scope read`.",
              file=sys.stderr)
    app = create_app(settings, no_auth=args.no_auth, host=host, assistant=assistant)
    print(f"serving on http://{host}:{port} (REST /api/v1, OpenAI /v1, MCP /mcp, docs /docs)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=10)
    return 0


def mcp_stdio(assistant: Any, args: argparse.Namespace) -> int:
    """Run the MCP server over stdin/stdout; logs go to stderr."""
    from app.api.mcp_server import build_mcp_server

    build_mcp_server(lambda: assistant).run("stdio")
    return 0


def key_store(settings: Any) -> Any:
    """Return the key store of the data directory."""
    from src.rag.keys import ApiKeyStore

    return ApiKeyStore(settings.data_dir)


def keys(assistant: Any, args: argparse.Namespace) -> int:
    """Create, list or revoke API keys."""
    store = key_store(assistant.settings)
    if args.keys_command == "create":
        key, secret = store.create(args.name, args.scope)
        if args.json:
            print(json.dumps(key.to_json() | {"key": secret}))
        else:
            print(secret)
            print(f"created key {key.key_id} '{key.name}' ({key.scope.value}); the secret above is shown only once.",
                  file=sys.stderr)
    elif args.keys_command == "list":
        rows = store.list()
        if args.json:
            print(json.dumps([k.to_json() for k in rows], indent=2))
        elif not rows:
            print("No API keys yet: create one with `apiassist keys create --name NAME --scope read`.")
        for k in rows if not args.json else []:
            j = k.to_json()
            print(f"{k.key_id}\t{k.name}\t{k.scope.value}\t{'active' if k.active else 'revoked'}\t"
                  f"created {j['created_at']}\tlast used {j['last_used_at'] or 'never'}")
    else:
        key = store.revoke(args.key)
        print(f"Revoked key {key.key_id} '{key.name}'.")
    return 0


API_COMMANDS = {"serve": serve, "mcp": mcp_stdio, "keys": keys}
