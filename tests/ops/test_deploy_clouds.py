"""The GCP, Azure and DigitalOcean deploy scripts against recording stub CLIs and a real health endpoint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.ops.deploy_harness import HealthServer, Result, make_bin, run_deploy, verb

REQUIRED = {
    "gcp": ["GCP_PROJECT", "GCP_REGION"],
    "azure": ["AZ_RESOURCE_GROUP", "AZ_LOCATION", "AZ_ACR", "AZ_STORAGE_ACCOUNT"],
    "digitalocean": ["DO_REGION", "DO_SSH_KEY", "DO_REGISTRY"],
}
CLI = {"gcp": "gcloud", "azure": "az", "digitalocean": "doctl"}
LOGIN = {"gcp": ["auth", "list"], "azure": ["account", "show"], "digitalocean": ["account", "get"]}


def _env(cloud: str, tmp: Path, port: int = 8501) -> dict[str, str]:
    if cloud == "gcp":
        return {"GCP_PROJECT": "proj-1", "GCP_REGION": "europe-west1", "DEPLOY_PORT": str(port),
                "DEPLOY_SECRETS": "APIASSIST_LLM_API_KEY=llm-key"}
    if cloud == "azure":
        return {"AZ_RESOURCE_GROUP": "rg-1", "AZ_LOCATION": "westeurope", "AZ_ACR": "acr1",
                "AZ_STORAGE_ACCOUNT": "store1", "AZ_KEYVAULT": "kv1", "DEPLOY_PORT": str(port),
                "DEPLOY_SECRETS": "APIASSIST_LLM_API_KEY=llm-key"}
    secrets = tmp / "secrets.env"
    secrets.write_text("APIASSIST_LLM_API_KEY=sk-test-123\n")
    secrets.chmod(0o600)
    return {"DO_REGION": "ams3", "DO_SSH_KEY": "1234", "DO_REGISTRY": "reg1", "DO_PUBLIC_PORT": str(port),
            "DEPLOY_SECRETS_FILE": str(secrets)}


def _rules(cloud: str, port: int) -> list[dict]:
    table = {
        "gcp": [
            (["auth", "list"], "me@example.com\n", 0),
            (["artifacts", "repositories", "describe"], "", 1),
            (["projects", "describe"], "4242\n", 0),
            (["filestore", "instances", "describe", "--format"], "10.0.0.2\n", 0),
            (["filestore", "instances", "describe"], "", 1),
            (["run", "services", "describe"], f"https://127.0.0.1:{port}\n", 0),
            (["auth", "print-identity-token"], "tok-123\n", 0),
        ],
        "azure": [
            (["acr", "show", "--query"], "/subscriptions/s/acr1\n", 0),
            (["acr", "show"], "", 3),
            (["storage", "account", "show"], "", 3),
            (["storage", "account", "keys", "list"], "c3RvcmFnZWtleQ==\n", 0),
            (["appservice", "plan", "show"], "", 3),
            (["webapp", "show", "--query"], f"127.0.0.1:{port}\n", 0),
            (["webapp", "show"], "", 3),
            (["webapp", "identity", "assign"], "pid-1\n", 0),
            (["keyvault", "secret", "show"], "https://kv1.vault.azure.net/secrets/llm-key/abc123\n", 0),
            (["keyvault", "show"], "/subscriptions/s/kv1\n", 0),
            (["webapp", "config", "storage-account", "show"], "", 3),
        ],
        "digitalocean": [
            (["registry", "get"], "", 1),
            (["compute", "volume", "list"], "vol-0 other-data\n", 0),
            (["compute", "volume", "create"], "vol-1\n", 0),
            (["compute", "droplet", "list"], "other 203.0.113.9\n", 0),
            (["compute", "droplet", "create"], "127.0.0.1\n", 0),
            (["registry", "docker-config"], '{"auths": {"registry.digitalocean.com": {"auth": "cHVsbA=="}}}', 0),
        ],
    }
    return [{"cmd": CLI[cloud], "match": m, "stdout": out, "exit": code} for m, out, code in table[cloud]]


def _deploy(cloud: str, tmp: Path) -> tuple[Result, HealthServer]:
    tls = cloud in {"gcp", "azure"}
    with HealthServer(tmp, tls=tls) as health:
        env = _env(cloud, tmp, health.port)
        if health.ca_file:
            env["CURL_CA_BUNDLE"] = str(health.ca_file)
        result = run_deploy(cloud, tmp, env, _rules(cloud, health.port))
    return result, health


def _index(result: Result, *tokens: str) -> int:
    return next(i for i, c in enumerate(result.commands()) if all(t in c for t in tokens))


def _flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


@pytest.mark.parametrize("cloud", ["gcp", "azure", "digitalocean"])
def test_deploy_builds_pushes_then_serves_and_prints_the_url(tmp_path: Path, cloud: str) -> None:
    result, health = _deploy(cloud, tmp_path)
    assert result.returncode == 0, result.stderr
    scheme = "https" if cloud in {"gcp", "azure"} else "http"
    assert result.stdout.strip().splitlines()[-1] == f"{scheme}://127.0.0.1:{health.port}"
    assert "/_stcore/health" in [path for path, _ in health.requests]
    assert _index(result, "docker", "build") < _index(result, "docker", "push")
    assert result.find("docker", "build")[0]["args"][-1] == str(Path(__file__).resolve().parents[2])


def test_gcp_service_has_port_nfs_volume_secret_reference_and_one_instance(tmp_path: Path) -> None:
    result, health = _deploy("gcp", tmp_path)
    assert result.returncode == 0, result.stderr
    args = result.find("run", "deploy", "apiassist")[0]["args"]
    assert _flag(args, "--port") == str(health.port)
    assert _flag(args, "--add-volume") == "name=data,type=nfs,location=10.0.0.2:/apiassist"
    assert _flag(args, "--add-volume-mount") == "volume=data,mount-path=/var/lib/apiassist"
    assert _flag(args, "--set-secrets") == "APIASSIST_LLM_API_KEY=llm-key:latest"
    assert _flag(args, "--max-instances") == "1" and "--no-allow-unauthenticated" in args
    env_file = result.find("run", "deploy", "apiassist")[0]["files"][_flag(args, "--env-vars-file")]
    assert '"APIASSIST_DATA_DIR": "/var/lib/apiassist/data"' in env_file and "LLM_API_KEY" not in env_file
    assert _index(result, "jobs", "execute") < _index(result, "run", "deploy", "apiassist")
    assert result.find("secrets", "add-iam-policy-binding", "llm-key")
    assert ("Authorization", "Bearer tok-123") in [(k, v) for _, h in health.requests for k, v in h.items()]


def test_azure_app_has_files_mount_key_vault_reference_port_and_health_path(tmp_path: Path) -> None:
    result, health = _deploy("azure", tmp_path)
    assert result.returncode == 0, result.stderr
    mount = result.find("webapp", "config", "storage-account", "add")[0]["args"]
    assert _flag(mount, "--mount-path") == "/var/lib/apiassist" and _flag(mount, "--storage-type") == "AzureFiles"
    assert "c3RvcmFnZWtleQ==" not in result.stderr, "the storage key must be masked in the log"
    settings = result.find("webapp", "config", "appsettings", "set")[0]["args"]
    assert f"WEBSITES_PORT={health.port}" in settings
    assert "APIASSIST_LLM_API_KEY=@Microsoft.KeyVault(SecretUri=https://kv1.vault.azure.net/secrets/llm-key)" in settings
    assert "APIASSIST_DATA_DIR=/var/lib/apiassist/data" in settings
    config = result.find("webapp", "config", "set", "--always-on")[0]["args"]
    assert "/_stcore/health" in _flag(config, "--generic-configurations")
    assert _flag(config, "--web-sockets-enabled") == "true"
    assert result.find("role", "assignment", "create", "Key Vault Secrets User")


def test_digitalocean_droplet_gets_the_volume_and_secrets_only_over_ssh_stdin(tmp_path: Path) -> None:
    result, health = _deploy("digitalocean", tmp_path)
    assert result.returncode == 0, result.stderr
    create = result.find("compute", "droplet", "create")[0]
    assert _flag(create["args"], "--volumes") == "vol-1"
    assert "/dev/disk/by-id/scsi-0DO_Volume_apiassist-data /mnt/apiassist" in create["files"][
        _flag(create["args"], "--user-data-file")]
    ssh = result.find("compute", "ssh", "apiassist")[0]
    assert "APIASSIST_LLM_API_KEY=sk-test-123" in ssh["stdin"]
    assert f"-p {health.port}:8501" in ssh["stdin"] and "-v /mnt/apiassist:/var/lib/apiassist" in ssh["stdin"]
    everything_else = [a for c in result.calls for a in c["args"]] + [result.stderr, result.stdout]
    assert not any("sk-test-123" in text for text in everything_else)


@pytest.mark.parametrize("cloud", ["gcp", "azure", "digitalocean"])
def test_dry_run_prints_the_first_deploy_in_order_and_runs_nothing(tmp_path: Path, cloud: str) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "dry").mkdir()
    real, _ = _deploy(cloud, tmp_path / "real")
    dry = run_deploy(cloud, tmp_path / "dry", _env(cloud, tmp_path / "dry"), [], "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.calls == []
    assert [verb(c) for c in dry.printed() if c[0] != "curl"] == [verb(c) for c in real.commands()]
    assert "# service URL: " in dry.stdout
    assert "sk-test-123" not in dry.stdout


@pytest.mark.parametrize("cloud", ["gcp", "azure", "digitalocean"])
def test_missing_variables_fail_with_one_sentence(tmp_path: Path, cloud: str) -> None:
    for name in REQUIRED[cloud]:
        env = _env(cloud, tmp_path)
        del env[name]
        result = run_deploy(cloud, tmp_path, env, [])
        assert result.returncode == 1 and result.calls == []
        assert result.stderr.strip().count("\n") == 0 and name in result.stderr


@pytest.mark.parametrize("cloud", ["gcp", "azure", "digitalocean"])
def test_missing_cli_fails_with_one_sentence(tmp_path: Path, cloud: str) -> None:
    make_bin(tmp_path, omit=(CLI[cloud],))
    result = run_deploy(cloud, tmp_path, _env(cloud, tmp_path), [])
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: The '{CLI[cloud]}' command is not installed; "
                                     "install it and run the deploy again.")


@pytest.mark.parametrize("cloud", ["gcp", "azure", "digitalocean"])
def test_not_logged_in_fails_with_one_sentence(tmp_path: Path, cloud: str) -> None:
    rules = [{"cmd": CLI[cloud], "match": LOGIN[cloud], "stdout": "", "exit": 1}]
    result = run_deploy(cloud, tmp_path, _env(cloud, tmp_path), rules)
    assert result.returncode == 1
    assert "not logged in" in result.stderr and result.stderr.strip().count("\n") == 0
    assert [verb(c)[:3] for c in result.commands()] == [[CLI[cloud], *LOGIN[cloud]]]


def test_digitalocean_refuses_a_secrets_file_others_can_read(tmp_path: Path) -> None:
    env = _env("digitalocean", tmp_path)
    os.chmod(env["DEPLOY_SECRETS_FILE"], 0o644)
    result = run_deploy("digitalocean", tmp_path, env, [])
    assert result.returncode == 1 and result.calls == []
    assert "chmod 600" in result.stderr and result.stderr.strip().count("\n") == 0
