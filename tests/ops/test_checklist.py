"""PRODUCTION_CHECKLIST.md and docs/operations.md are true to the code: commands, paths, variables exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from src.core.debug import PAUSE_AT_ENV, PAUSE_MARKER_ENV

from tests.ops.helpers import ROOT, settings_env_names

DOCS = [ROOT / "PRODUCTION_CHECKLIST.md", ROOT / "docs" / "operations.md"]
COMPOSE_FILE = "docker-compose.prod.yml"
COMPOSE_VERBS = {"up", "ps", "exec", "run", "stop", "start", "logs", "build", "cp"}
REPO_PREFIXES = ("scripts/", "docs/", "tests/", ".streamlit/", "app/", "src/")
REPO_FILES = {"Dockerfile", ".dockerignore", ".env.example", COMPOSE_FILE, "PRODUCTION_CHECKLIST.md", "Makefile"}
ARCHIVE_NAME = re.compile(r"apiassist-backup-\d{8}T\d{9}Z\.tar\.gz$")
CONTAINER_ROOTS = ("/var/lib/apiassist", "/var/backups/apiassist")


def _commands(text: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    commands = []
    for line in (ln for block in blocks for ln in block.splitlines()):
        if line.strip() and not line.lstrip().startswith("#"):
            for part in line.split("&&"):  # `a && b` documents two commands
                commands.append(shlex.split(part))
    return commands


def _inline(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))


def _services() -> set[str]:
    return set(yaml.safe_load((ROOT / COMPOSE_FILE).read_text())["services"])


def _check_path(token: str) -> None:
    if token.startswith(REPO_PREFIXES) or token in REPO_FILES:
        assert (ROOT / token.split()[0]).exists(), f"{token} does not exist in the repository"
    elif token.startswith(CONTAINER_ROOTS):
        if ARCHIVE_NAME.search(token):
            return
        declared = (ROOT / "Dockerfile").read_text() + (ROOT / COMPOSE_FILE).read_text()
        root = next(r for r in CONTAINER_ROOTS if token.startswith(r))
        assert root in declared, f"{token} is not a path the image or compose file provides"
    elif token.startswith("/") and not token.startswith(("/tmp/", "/_stcore/", "/api/v2/")):
        declared = (ROOT / "Dockerfile").read_text() + (ROOT / COMPOSE_FILE).read_text()
        assert token in declared, f"{token} is not a path the image or compose file provides"


def _check_apiassist(args: list[str]) -> None:
    from app.cli import _parser

    try:
        _parser().parse_args(args)
    except SystemExit as exc:
        raise AssertionError(f"`apiassist {' '.join(args)}` is not a valid command") from exc


def _check_script(args: list[str]) -> None:
    script = ROOT / args[0]
    assert script.is_file() and script.stat().st_mode & 0o111, f"{args[0]} is not an executable script"
    known = "".join(p.read_text() for p in script.parent.parent.rglob("*") if p.suffix in {".sh", ".py"})
    for flag in (a.split("=")[0] for a in args[1:] if a.startswith("--")):
        assert flag in known, f"{args[0]} has no option {flag}"
    for token in args[1:]:
        _check_path(token)


def _check_in_container(args: list[str]) -> None:
    if args[0] == "apiassist":
        _check_apiassist(args[1:])
    elif args[0].startswith("scripts/"):
        _check_script(args)
    else:
        assert args[0] == "ollama", f"unexpected command in a container: {args}"


def _check_compose(args: list[str]) -> None:
    assert args[:4] == ["docker", "compose", "-p", "apiassist"] and args[4:6] == ["-f", COMPOSE_FILE], args
    rest = args[6:]
    while rest[0].startswith("--"):
        rest = rest[2:] if rest[0] == "--profile" else rest[1:]
    verb, rest = rest[0], rest[1:]
    assert verb in COMPOSE_VERBS, f"docker compose {verb} is not a command we document"
    if verb == "cp":
        assert [a.split(":")[0] for a in rest if ":" in a][0] in _services()
        return
    names = [a for a in rest if not a.startswith("-")]
    if verb in {"exec", "run"}:
        assert names[0] in _services(), f"no compose service {names[0]}"
        at = rest.index(names[0])
        _check_in_container(rest[at + 1:])
        rest = rest[:at]
    else:
        services = [n for n in names if not re.fullmatch(r"\d+[hms]", n)]
        assert set(services) <= _services(), f"no compose service among {services}"
    options = [a for a in rest if a.startswith("-")]
    assert all(o in {"-d", "--build", "--rm", "--no-deps", "--since"} for o in options), options


def check_command(args: list[str]) -> None:
    """Fail unless the documented command exists with the options it is shown with."""
    if args[:2] == ["docker", "compose"]:
        _check_compose(args)
    elif args[0] in {"apiassist", ".venv/bin/apiassist"}:
        _check_apiassist(args[1:])
    elif args[0].startswith("scripts/"):
        _check_script(args)
    elif args[0] == "make":
        assert re.search(rf"^{re.escape(args[1])}:", (ROOT / "Makefile").read_text(), re.M), f"no make target {args[1]}"
    elif args[0] == "curl":
        assert args[-1].endswith("/_stcore/health")
    elif args[0] == "cp":
        assert all((ROOT / a).exists() for a in args[1:2])
    elif args[0] == "chmod":
        assert args[-1] == ".env"
    elif args[:3] == [".venv/bin/python", "-m", "pytest"]:
        assert all((ROOT / a).exists() for a in args[3:] if not a.startswith("-"))
    else:
        raise AssertionError(f"the docs show a command the test does not know how to check: {args}")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_command_in_the_docs_exists(doc: Path) -> None:
    commands = _commands(doc.read_text())
    assert len(commands) >= 5
    for args in commands:
        check_command(args)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_variable_and_path_in_the_docs_exists(doc: Path) -> None:
    text = doc.read_text()
    names = set(re.findall(r"APIASSIST_[A-Z0-9_]+", text))
    known = settings_env_names() | {PAUSE_AT_ENV, PAUSE_MARKER_ENV}  # the crash-test hooks, documented as such
    assert names and not names - known, f"unknown settings: {sorted(names - known)}"
    deploy_text = "".join(p.read_text() for p in (ROOT / "scripts" / "deployment").rglob("*.sh"))
    for name in set(re.findall(r"\b(?:DEPLOY|AWS|GCP|AZ|DO)_[A-Z_]+\b", text)):
        assert name in deploy_text, f"{name} is not read by any deploy script"
    for token in _inline(text):
        if " " in token and not token.startswith(REPO_PREFIXES):
            args = shlex.split(token)
            if args[0] in {"apiassist", "docker", "make"} or args[0].startswith("scripts/"):
                check_command(args)
            continue
        _check_path(token)


def test_checklist_covers_every_area() -> None:
    headings = re.findall(r"^## (.+)$", (ROOT / "PRODUCTION_CHECKLIST.md").read_text(), re.M)
    assert headings == ["Pre-deploy", "Go-live", "Backup and restore drills", "Monitoring", "Security",
                        "Capacity", "Upgrades"]


def test_the_checker_rejects_what_does_not_exist() -> None:
    for bad in (["apiassist", "frobnicate"], ["apiassist", "search", "x", "--fast"],
                ["scripts/backup/backup.sh", "--compress"], ["scripts/deployment/ibm/deploy.sh"], ["make", "deploy"],
                ["docker", "compose", "-p", "apiassist", "-f", COMPOSE_FILE, "exec", "web", "apiassist", "list"]):
        with pytest.raises(AssertionError):
            check_command(bad)
    with pytest.raises(AssertionError):
        _check_path("scripts/backup/missing.sh")
