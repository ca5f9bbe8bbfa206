"""The AWS deploy script against recording stub CLIs: sequence, key flags, dry run, preflight."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ops.deploy_harness import HealthServer, make_bin, run_deploy, verb

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:apiassist/llm-key-AbCdEf"


def _env(port: int) -> dict[str, str]:
    return {"AWS_REGION": "eu-west-1", "DEPLOY_SUBNETS": "subnet-a,subnet-b", "DEPLOY_SECURITY_GROUP": "sg-1",
            "DEPLOY_PORT": str(port), "DEPLOY_SECRETS": "APIASSIST_LLM_API_KEY=apiassist/llm-key"}


def _rules(service_exists: bool) -> list[dict]:
    aws = [
        (["sts", "get-caller-identity", "Account"], "123456789012\n", 0),
        (["ecr", "describe-repositories"], "", 254),
        (["ecr", "get-login-password"], "registry-password", 0),
        (["secretsmanager", "describe-secret"], SECRET_ARN + "\n", 0),
        (["efs", "describe-file-systems", "--creation-token"], "None\n", 0),
        (["efs", "create-file-system"], "fs-123\n", 0),
        (["efs", "describe-file-systems", "--file-system-id"], "available\n", 0),
        (["efs", "describe-access-points"], "None\n", 0),
        (["efs", "create-access-point"], "fsap-9\n", 0),
        (["iam", "get-role", "Role.Arn"], "arn:aws:iam::123456789012:role/apiassist-task-execution\n", 0),
        (["iam", "get-role"], "", 254),
        (["logs", "describe-log-groups"], "None\n", 0),
        (["ecs", "register-task-definition"], "arn:aws:ecs:eu-west-1:123456789012:task-definition/apiassist:7\n", 0),
        (["ecs", "describe-services"], "apiassist\n" if service_exists else "\n", 0),
        (["ecs", "list-tasks"], "arn:aws:ecs:eu-west-1:123456789012:task/apiassist/abc\n", 0),
        (["ecs", "describe-tasks"], "eni-42\n", 0),
        (["ec2", "describe-network-interfaces"], "127.0.0.1\n", 0),
    ]
    return [{"cmd": "aws", "match": m, "stdout": out, "exit": code} for m, out, code in aws]


def _order(result, *steps: tuple[str, ...]) -> list[int]:
    """Return the index of the first call matching each step."""
    commands = result.commands()
    return [next(i for i, c in enumerate(commands) if all(t in c for t in step)) for step in steps]


def test_first_deploy_builds_pushes_creates_the_service_and_prints_the_url(tmp_path: Path) -> None:
    with HealthServer(tmp_path) as health:
        result = run_deploy("aws", tmp_path, _env(health.port), _rules(service_exists=False))
    assert result.returncode == 0, result.stderr
    url = f"http://127.0.0.1:{health.port}"
    assert result.stdout.strip().splitlines()[-1] == url
    assert ("/_stcore/health" in [path for path, _ in health.requests])
    order = _order(result, ("ecr", "create-repository"), ("docker", "login"), ("docker", "build"),
                   ("docker", "push"), ("efs", "create-file-system"), ("ecs", "register-task-definition"),
                   ("ecs", "create-service"), ("ecs", "wait", "services-stable"))
    assert order == sorted(order)
    login = result.find("docker", "login")[0]
    assert login["stdin"] == "registry-password" and "registry-password" not in login["args"]
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/apiassist:v1"
    assert result.find("docker", "build", image) and result.find("docker", "push", image)
    assert len(result.find("efs", "create-mount-target")) == 2
    create = result.find("ecs", "create-service")[0]["args"]
    assert create[create.index("--launch-type") + 1] == "FARGATE"
    assert create[create.index("--desired-count") + 1] == "1"
    assert not result.find("ecs", "update-service")


def test_task_definition_has_port_efs_volume_and_secret_reference(tmp_path: Path) -> None:
    with HealthServer(tmp_path) as health:
        result = run_deploy("aws", tmp_path, _env(health.port), _rules(service_exists=False))
    assert result.returncode == 0, result.stderr
    call = result.find("ecs", "register-task-definition")[0]
    task = json.loads(next(iter(call["files"].values())))
    container = task["containerDefinitions"][0]
    assert container["portMappings"][0]["containerPort"] == health.port
    assert container["mountPoints"][0]["containerPath"] == "/var/lib/apiassist"
    volume = task["volumes"][0]["efsVolumeConfiguration"]
    assert volume["fileSystemId"] == "fs-123" and volume["authorizationConfig"]["accessPointId"] == "fsap-9"
    assert container["secrets"] == [{"name": "APIASSIST_LLM_API_KEY", "valueFrom": SECRET_ARN}]
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert "APIASSIST_LLM_API_KEY" not in env
    assert env["APIASSIST_DATA_DIR"] == "/var/lib/apiassist/data" and env["PORT"] == str(health.port)
    policy = result.find("iam", "put-role-policy")[0]
    assert SECRET_ARN in next(iter(policy["files"].values()))


def test_redeploy_updates_the_existing_service(tmp_path: Path) -> None:
    with HealthServer(tmp_path) as health:
        result = run_deploy("aws", tmp_path, _env(health.port), _rules(service_exists=True))
    assert result.returncode == 0, result.stderr
    update = result.find("ecs", "update-service")
    assert update and "--force-new-deployment" in update[0]["args"]
    assert not result.find("ecs", "create-service")


def test_dry_run_prints_the_same_sequence_and_runs_nothing(tmp_path: Path) -> None:
    real_dir, dry_dir = tmp_path / "real", tmp_path / "dry"
    real_dir.mkdir()
    dry_dir.mkdir()
    with HealthServer(tmp_path) as health:
        real = run_deploy("aws", real_dir, _env(health.port), _rules(service_exists=False))
    dry = run_deploy("aws", dry_dir, _env(8501), [], "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.calls == []
    printed = [c for c in dry.printed() if c[0] != "curl"]
    executed = real.commands()
    assert [verb(c) for c in printed] == [verb(c) for c in executed]
    assert any(c[:2] == ["curl", "-fsS"] for c in dry.printed())
    assert "# service URL: http://<public-ip>:8501" in dry.stdout


@pytest.mark.parametrize("missing", ["AWS_REGION", "DEPLOY_SUBNETS", "DEPLOY_SECURITY_GROUP"])
def test_missing_variable_fails_with_one_sentence(tmp_path: Path, missing: str) -> None:
    env = _env(8501)
    del env[missing]
    result = run_deploy("aws", tmp_path, env, [])
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and missing in result.stderr
    assert result.calls == []


def test_missing_cli_fails_with_one_sentence(tmp_path: Path) -> None:
    make_bin(tmp_path, omit=("aws",))
    result = run_deploy("aws", tmp_path, _env(8501), [])
    assert result.returncode == 1
    assert result.stderr.strip() == "error: The 'aws' command is not installed; install it and run the deploy again."


def test_not_logged_in_fails_with_one_sentence(tmp_path: Path) -> None:
    rules = [{"cmd": "aws", "match": ["sts", "get-caller-identity"], "stdout": "", "exit": 255}]
    result = run_deploy("aws", tmp_path, _env(8501), rules)
    assert result.returncode == 1
    assert "not logged in to AWS" in result.stderr and result.stderr.strip().count("\n") == 0
    assert [c[:3] for c in result.commands()] == [["aws", "sts", "get-caller-identity"]]
