"""Specs the UI tests upload: a small real Twilio spec and a tiny hostile one written by the test."""

from __future__ import annotations

import json

from tests.conftest import shared

PAYLOAD = "window.__pwned = 1"


def twilio_frontline() -> tuple[str, bytes]:
    """Return the small real Twilio Frontline spec (2 operations)."""
    path = shared("specs", "twilio", "twilio_frontline_v1.json")
    return path.name, path.read_bytes()


def hostile_spec() -> tuple[str, bytes]:
    """Return an OpenAPI spec whose strings try to run script, load images and plant javascript: links."""
    evil = (f'<script>{PAYLOAD}</script> <img src=x onerror="{PAYLOAD}"> '
            f'[click me](javascript:{PAYLOAD}) <a href="javascript:{PAYLOAD}">docs</a>')
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Hostile Pets <script>alert(1)</script>", "version": "1.0.0", "description": evil},
        "servers": [{"url": "https://pets.example.com/v1"}],
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                                                   "description": evil}}},
        "security": [{"key": []}],
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "createPet", "summary": "Create a pet", "tags": ["pets"],
                    "description": f"Adds a pet to the store. {evil}",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["name"],
                        "properties": {"name": {"type": "string", "description": evil},
                                       "tag": {"type": "string", "description": "A free-form tag"}}}}}},
                    "responses": {"201": {"description": f"Created {evil}"}},
                },
                "get": {
                    "operationId": "listPets", "summary": "List pets", "tags": ["pets"],
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"},
                                    "description": evil}],
                    "responses": {"200": {"description": "A page of pets"}},
                },
            }
        },
    }
    return "hostile_pets.json", json.dumps(spec).encode()
