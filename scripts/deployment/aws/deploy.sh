#!/usr/bin/env bash
# Deploy to AWS: image to ECR, one Fargate task on ECS with the data directory on EFS,
# secrets from Secrets Manager, health wait, URL printed last.
set -euo pipefail
# shellcheck source=scripts/deployment/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/deployment/aws/deploy.sh [--dry-run]
Required: AWS_REGION, DEPLOY_SUBNETS (comma-separated subnet ids with internet access),
DEPLOY_SECURITY_GROUP (allows inbound DEPLOY_PORT and NFS 2049 from itself).
Optional: DEPLOY_CPU (2048), DEPLOY_MEMORY (4096).
EOF
  usage_common
}

parse_common_args "$@"
require_cmds aws docker curl python3
require_vars AWS_REGION DEPLOY_SUBNETS DEPLOY_SECURITY_GROUP
require_login "AWS (aws sts get-caller-identity failed)" aws sts get-caller-identity
DEPLOY_TAG="${DEPLOY_TAG:-$(default_tag)}"
DEPLOY_CPU="${DEPLOY_CPU:-2048}"
DEPLOY_MEMORY="${DEPLOY_MEMORY:-4096}"
REGION="$AWS_REGION"
NAME="$DEPLOY_NAME"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

capture ACCOUNT "<account-id>" aws sts get-caller-identity --query Account --output text
REGISTRY="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
IMAGE="$REGISTRY/$NAME:$DEPLOY_TAG"

note "image $IMAGE"
probe aws ecr describe-repositories --repository-names "$NAME" --region "$REGION" ||
  run aws ecr create-repository --repository-name "$NAME" --image-scanning-configuration scanOnPush=true --region "$REGION"
# shellcheck disable=SC2034  # both arrays are read through pipe_run's namerefs
login=(aws ecr get-login-password --region "$REGION")
# shellcheck disable=SC2034
docker_login=(docker login --username AWS --password-stdin "$REGISTRY")
pipe_run login docker_login
run docker build --platform linux/amd64 -t "$IMAGE" "$DEPLOY_CONTEXT"
run docker push "$IMAGE"

note "secrets from Secrets Manager"
SECRET_SPECS=""
SECRET_ARNS=""
load_secrets
arn=""
for i in "${!SECRET_VARS[@]}"; do
  capture arn "<arn-of-${SECRET_NAMES[i]}>" aws secretsmanager describe-secret --secret-id "${SECRET_NAMES[i]}" --region "$REGION" --query ARN --output text
  SECRET_SPECS+="${SECRET_VARS[i]}=$arn;"
  SECRET_ARNS+="$arn;"
done

note "persistent storage on EFS"
capture FS_ID "None" aws efs describe-file-systems --creation-token "$NAME" --region "$REGION" --query 'FileSystems[0].FileSystemId' --output text
if [[ "$FS_ID" == "None" || -z "$FS_ID" ]]; then
  capture FS_ID "<file-system-id>" aws efs create-file-system --creation-token "$NAME" --encrypted --performance-mode generalPurpose --tags "Key=Name,Value=$NAME" --region "$REGION" --query FileSystemId --output text
  state="creating"
  until [[ "$state" == "available" ]]; do
    capture state "available" aws efs describe-file-systems --file-system-id "$FS_ID" --region "$REGION" --query 'FileSystems[0].LifeCycleState' --output text
    [[ "$state" == "available" ]] || sleep 5
  done
  IFS=',' read -r -a subnets <<<"$DEPLOY_SUBNETS"
  for subnet in "${subnets[@]}"; do
    run aws efs create-mount-target --file-system-id "$FS_ID" --subnet-id "$subnet" --security-groups "$DEPLOY_SECURITY_GROUP" --region "$REGION"
  done
fi
capture AP_ID "None" aws efs describe-access-points --file-system-id "$FS_ID" --region "$REGION" --query 'AccessPoints[0].AccessPointId' --output text
if [[ "$AP_ID" == "None" || -z "$AP_ID" ]]; then
  # the access point makes the image's non-root user (uid 10001) own the volume
  capture AP_ID "<access-point-id>" aws efs create-access-point --file-system-id "$FS_ID" --posix-user Uid=10001,Gid=10001 --root-directory 'Path=/apiassist,CreationInfo={OwnerUid=10001,OwnerGid=10001,Permissions=750}' --region "$REGION" --query AccessPointId --output text
fi

note "IAM role, logs and cluster"
ROLE="$NAME-task-execution"
render "$WORK/trust.json" <<'PY'
import json, sys
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
       "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
open(sys.argv[1], "w").write(json.dumps(doc, indent=2))
PY
if ! probe aws iam get-role --role-name "$ROLE"; then
  run aws iam create-role --role-name "$ROLE" --assume-role-policy-document "file://$WORK/trust.json"
  run aws iam attach-role-policy --role-name "$ROLE" --policy-arn arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
fi
if [[ -n "$SECRET_ARNS" ]]; then
  render "$WORK/secrets-policy.json" "$SECRET_ARNS" <<'PY'
import json, sys
arns = [a for a in sys.argv[2].split(";") if a]
doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
       "Resource": arns}]}
open(sys.argv[1], "w").write(json.dumps(doc, indent=2))
PY
  show_file "secret read policy" "$WORK/secrets-policy.json"
  run aws iam put-role-policy --role-name "$ROLE" --policy-name "$NAME-read-secrets" --policy-document "file://$WORK/secrets-policy.json"
fi
capture ROLE_ARN "arn:aws:iam::<account-id>:role/$ROLE" aws iam get-role --role-name "$ROLE" --query Role.Arn --output text
capture LOG_GROUP "None" aws logs describe-log-groups --log-group-name-prefix "/ecs/$NAME" --region "$REGION" --query 'logGroups[0].logGroupName' --output text
[[ "$LOG_GROUP" == "/ecs/$NAME" ]] || run aws logs create-log-group --log-group-name "/ecs/$NAME" --region "$REGION"
run aws ecs create-cluster --cluster-name "$NAME" --region "$REGION"

note "task definition and service"
plain_settings >"$WORK/settings.env"
render "$WORK/task.json" "$NAME" "$IMAGE" "$DEPLOY_PORT" "$DEPLOY_CPU" "$DEPLOY_MEMORY" "$ROLE_ARN" \
  "$FS_ID" "$AP_ID" "$REGION" "$VOLUME_PATH" "$WORK/settings.env" "$SECRET_SPECS" <<'PY'
import json, sys
(out, name, image, port, cpu, mem, role, fs, ap, region, volume, settings, secrets) = sys.argv[1:]
env = [{"name": "PORT", "value": port}]
for line in open(settings).read().splitlines():
    key, _, value = line.partition("=")
    env.append({"name": key, "value": value})
health = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health', timeout=4)" % port
container = {
    "name": "app", "image": image, "essential": True,
    "portMappings": [{"containerPort": int(port), "protocol": "tcp"}],
    "environment": env,
    "secrets": [{"name": s.split("=", 1)[0], "valueFrom": s.split("=", 1)[1]} for s in secrets.split(";") if s],
    "mountPoints": [{"sourceVolume": "data", "containerPath": volume, "readOnly": False}],
    "healthCheck": {"command": ["CMD", "python", "-c", health], "interval": 30, "timeout": 5,
                    "retries": 3, "startPeriod": 120},
    "logConfiguration": {"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/" + name, "awslogs-region": region, "awslogs-stream-prefix": "app"}},
}
task = {
    "family": name, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
    "cpu": cpu, "memory": mem, "executionRoleArn": role, "containerDefinitions": [container],
    "volumes": [{"name": "data", "efsVolumeConfiguration": {
        "fileSystemId": fs, "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": ap, "iam": "DISABLED"}}}],
}
open(out, "w").write(json.dumps(task, indent=2))
PY
show_file "task definition" "$WORK/task.json"
capture TASK_DEF "<task-definition-arn>" aws ecs register-task-definition --cli-input-json "file://$WORK/task.json" --region "$REGION" --query taskDefinition.taskDefinitionArn --output text
# one task at a time: the embedded store on EFS must never have two writers
DEPLOYMENT="maximumPercent=100,minimumHealthyPercent=0"
capture ACTIVE "" aws ecs describe-services --cluster "$NAME" --services "$NAME" --region "$REGION" --query 'services[?status==`ACTIVE`].serviceName' --output text
if [[ "$ACTIVE" == "$NAME" ]]; then
  run aws ecs update-service --cluster "$NAME" --service "$NAME" --task-definition "$TASK_DEF" --deployment-configuration "$DEPLOYMENT" --force-new-deployment --region "$REGION"
else
  run aws ecs create-service --cluster "$NAME" --service-name "$NAME" --task-definition "$TASK_DEF" --desired-count 1 --launch-type FARGATE --platform-version 1.4.0 --deployment-configuration "$DEPLOYMENT" --network-configuration "awsvpcConfiguration={subnets=[$DEPLOY_SUBNETS],securityGroups=[$DEPLOY_SECURITY_GROUP],assignPublicIp=ENABLED}" --region "$REGION"
fi
run aws ecs wait services-stable --cluster "$NAME" --services "$NAME" --region "$REGION"

note "service address"
capture TASK "<task-arn>" aws ecs list-tasks --cluster "$NAME" --service-name "$NAME" --desired-status RUNNING --region "$REGION" --query 'taskArns[0]' --output text
capture ENI "<eni-id>" aws ecs describe-tasks --cluster "$NAME" --tasks "$TASK" --region "$REGION" --query "tasks[0].attachments[0].details[?name=='networkInterfaceId'].value | [0]" --output text
capture PUBLIC_IP "<public-ip>" aws ec2 describe-network-interfaces --network-interface-ids "$ENI" --region "$REGION" --query 'NetworkInterfaces[0].Association.PublicIp' --output text
wait_healthy "http://$PUBLIC_IP:$DEPLOY_PORT"
