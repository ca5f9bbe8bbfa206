"""Every third-party module the code imports is declared in pyproject.toml: what `src/` and `app/` import
among the runtime dependencies (the Docker image installs only those), what tests and scripts import among
the runtime or dev ones; each is pinned in the lock file that installs it. A module only present as some
other package's dependency would vanish the day that package drops it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from tests.ops.helpers import ROOT

FIRST_PARTY = {"src", "app", "tests", "scripts", "__future__"}


def _name(requirement: str) -> str:
    """Return the normalised distribution name of a requirement line (`llama-cpp-python[server]>=1` → ...)."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    return runtime, runtime | {_name(r) for r in project["optional-dependencies"]["dev"]}


def _optional(tree: ast.AST) -> set[int]:
    """Return the ids of import nodes inside `try: ... except ImportError`, which may be missing by design."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers):
            guarded |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return guarded


def _imports(path: Path) -> set[str]:
    """Return the top-level modules one file imports unconditionally (absolute imports only)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    optional = _optional(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _undeclared(folders: tuple[str, ...], declared: set[str]) -> list[str]:
    """Return `module (file)` for every third-party import in `folders` that no declared distribution provides."""
    files = [f for folder in folders for f in sorted((ROOT / folder).rglob("*.py"))]
    # scripts put their own folder on sys.path and import siblings by name (`import common`)
    local = {f.stem for f in files} | {f.parent.name for f in files}
    providers = importlib.metadata.packages_distributions()
    missing = []
    for path in files:
        for module in sorted(_imports(path) - FIRST_PARTY - local - set(sys.stdlib_module_names)):
            if not {_name(d) for d in providers.get(module, [])} & declared:
                missing.append(f"{module} ({path.relative_to(ROOT)})")
    return missing


def test_the_app_imports_only_runtime_dependencies() -> None:
    runtime, _ = _declared()
    assert _undeclared(("src", "app"), runtime) == []


def test_tests_and_scripts_import_only_declared_dependencies() -> None:
    _, everything = _declared()
    assert _undeclared(("tests", "scripts"), everything) == []


def _pinned(lock: str) -> set[str]:
    return {_name(line) for line in (ROOT / lock).read_text().splitlines() if re.match(r"^[A-Za-z0-9]", line)}


def test_every_declared_dependency_is_pinned_in_the_lock_that_installs_it() -> None:
    runtime, everything = _declared()
    # torch stays out of the locks: `make` and the Dockerfile install its CPU build first
    assert runtime - {"torch"} - _pinned("requirements.lock") == set()
    assert everything - {"torch"} - _pinned("requirements-dev.lock") == set()


def test_the_check_sees_an_import_that_is_only_a_dependency_of_a_dependency() -> None:
    runtime, _ = _declared()
    assert "pydantic-core" not in runtime  # pulled in by pydantic, never declared
    providers = importlib.metadata.packages_distributions()
    assert not {_name(d) for d in providers["pydantic_core"]} & runtime
