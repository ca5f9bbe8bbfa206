"""A library with real Stripe and Kubernetes specs, indexed once per test session through the CLI."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.conftest import shared


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process (the model stays loaded between calls) and return (code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def big_library(tmp_path_factory):
    """Index Stripe and Kubernetes once; returns the data dir."""
    data = tmp_path_factory.mktemp("library")
    stripe = shared("specs", "stripe_spec3_2022-04.json")
    k8s = shared("specs", "kubernetes_swagger.json")
    assert main(["--data-dir", str(data), "index", str(stripe), str(k8s)]) == 0
    return data


def search_paths(capsys, data, query: str, k: int = 5, *extra: str) -> list[str]:
    """Return the ``METHOD /path`` of each hit of a CLI search."""
    code, out, _ = run_cli(capsys, "--data-dir", str(data), "search", query, "--top-k", str(k), "--json", *extra)
    assert code == 0
    return [f"{h['method']} {h['path']}" for h in json.loads(out)["hits"] if h["method"]]
