"""The production compose file runs the API from the UI's image with the other command."""

from __future__ import annotations

import re

import yaml

from tests.ops.helpers import ROOT


def test_compose_runs_the_api_beside_the_ui_from_one_image() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())["services"]
    app, api = services["app"], services["api"]
    assert api["image"] == app["image"] and api["build"] == app["build"]
    assert api["command"][:2] == ["apiassist", "serve"] and "0.0.0.0" in api["command"]
    assert "--no-auth" not in api["command"]
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    assert api["ports"] == ["127.0.0.1:8000:8000"]
    assert api["environment"]["APIASSIST_CHROMA_HOST"] == "chroma"
    assert any(v.startswith("app-data:/var/lib/apiassist") for v in api["volumes"])


def test_dockerfile_exposes_the_api_port() -> None:
    assert re.search(r"^EXPOSE .*\b8000\b", (ROOT / "Dockerfile").read_text(), re.M)
