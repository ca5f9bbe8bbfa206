#!/usr/bin/env bash
# Deploy to Google Cloud: image to Artifact Registry, one Cloud Run (gen2) instance with the data
# directory on a Filestore NFS share, secrets from Secret Manager, health wait, URL printed last.
set -euo pipefail
# shellcheck source=scripts/deployment/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/deployment/gcp/deploy.sh [--dry-run]
Required: GCP_PROJECT, GCP_REGION.
Optional: GCP_ZONE (<region>-a, for Filestore), GCP_NETWORK (default), GCP_SUBNET (default),
DEPLOY_PUBLIC=1 (allow unauthenticated requests; otherwise callers need IAM run.invoker).
EOF
  usage_common
}

parse_common_args "$@"
require_cmds gcloud docker curl python3
require_vars GCP_PROJECT GCP_REGION
ACCOUNT=""
if ((DRY_RUN)); then
  show gcloud auth list --filter=status:ACTIVE --format='value(account)'
else
  ACCOUNT="$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null || true)"
  [[ -n "$ACCOUNT" ]] || die "You are not logged in to Google Cloud; run \`gcloud auth login\` and run the deploy again."
fi
DEPLOY_TAG="${DEPLOY_TAG:-$(default_tag)}"
PROJECT="$GCP_PROJECT"
REGION="$GCP_REGION"
ZONE="${GCP_ZONE:-$REGION-a}"
NETWORK="${GCP_NETWORK:-default}"
SUBNET="${GCP_SUBNET:-default}"
NAME="$DEPLOY_NAME"
REGISTRY="$REGION-docker.pkg.dev"
IMAGE="$REGISTRY/$PROJECT/$NAME/$NAME:$DEPLOY_TAG"
SHARE="apiassist"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

note "image $IMAGE"
run gcloud services enable run.googleapis.com artifactregistry.googleapis.com secretmanager.googleapis.com file.googleapis.com --project "$PROJECT"
probe gcloud artifacts repositories describe "$NAME" --location "$REGION" --project "$PROJECT" ||
  run gcloud artifacts repositories create "$NAME" --repository-format docker --location "$REGION" --project "$PROJECT"
run gcloud auth configure-docker "$REGISTRY" --quiet
run docker build --platform linux/amd64 -t "$IMAGE" "$DEPLOY_CONTEXT"
run docker push "$IMAGE"

note "runtime identity and secrets from Secret Manager"
capture PROJECT_NUMBER "<project-number>" gcloud projects describe "$PROJECT" --format 'value(projectNumber)'
SERVICE_ACCOUNT="${GCP_SERVICE_ACCOUNT:-$PROJECT_NUMBER-compute@developer.gserviceaccount.com}"
load_secrets
SECRET_FLAGS=()
for i in "${!SECRET_VARS[@]}"; do
  secret="${SECRET_NAMES[i]}"
  probe gcloud secrets describe "$secret" --project "$PROJECT" || ((DRY_RUN)) ||
    die "The secret '$secret' is not in Secret Manager; create it with \`gcloud secrets create $secret --data-file=-\` and run again."
  run gcloud secrets add-iam-policy-binding "$secret" --project "$PROJECT" --member "serviceAccount:$SERVICE_ACCOUNT" --role roles/secretmanager.secretAccessor
  SECRET_FLAGS+=("${SECRET_VARS[i]}=$secret:latest")
done

note "persistent storage on Filestore"
NEW_SHARE=0
if ! probe gcloud filestore instances describe "$NAME" --zone "$ZONE" --project "$PROJECT"; then
  run gcloud filestore instances create "$NAME" --zone "$ZONE" --tier BASIC_HDD --file-share "name=$SHARE,capacity=1TB" --network "name=$NETWORK" --project "$PROJECT"
  NEW_SHARE=1
fi
capture NFS_IP "<filestore-ip>" gcloud filestore instances describe "$NAME" --zone "$ZONE" --project "$PROJECT" --format 'value(networks[0].ipAddresses[0])'
VOLUME_FLAGS=(--add-volume "name=data,type=nfs,location=$NFS_IP:/$SHARE" --add-volume-mount "volume=data,mount-path=$VOLUME_PATH")
NETWORK_FLAGS=(--network "$NETWORK" --subnet "$SUBNET" --vpc-egress private-ranges-only)
if ((NEW_SHARE)); then
  # a new share is owned by root; a one-off job gives it to the image's non-root user (uid 10001)
  run gcloud run jobs deploy "$NAME-volume-init" --image docker.io/library/busybox:stable --region "$REGION" --project "$PROJECT" --execution-environment gen2 "${NETWORK_FLAGS[@]}" "${VOLUME_FLAGS[@]}" --command sh --args=-c,"mkdir -p $DATA_DIR && chown -R 10001:10001 $VOLUME_PATH"
  run gcloud run jobs execute "$NAME-volume-init" --region "$REGION" --project "$PROJECT" --wait
fi

note "Cloud Run service"
plain_settings >"$WORK/settings.env"
render "$WORK/env.yaml" "$WORK/settings.env" <<'PY'
import json, sys
pairs = [line.partition("=") for line in open(sys.argv[2]).read().splitlines()]
# JSON is valid YAML, and it quotes every value safely
open(sys.argv[1], "w").write("\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, _, v in pairs) + "\n")
PY
show_file "environment" "$WORK/env.yaml"
AUTH_FLAG="--no-allow-unauthenticated"
[[ "${DEPLOY_PUBLIC:-0}" == "1" ]] && AUTH_FLAG="--allow-unauthenticated"
DEPLOY_FLAGS=(--image "$IMAGE" --region "$REGION" --project "$PROJECT" --port "$DEPLOY_PORT"
  --execution-environment gen2 --cpu 2 --memory 4Gi --no-cpu-throttling
  --min-instances 1 --max-instances 1 --session-affinity --timeout 3600
  --service-account "$SERVICE_ACCOUNT" --env-vars-file "$WORK/env.yaml" "$AUTH_FLAG"
  "${NETWORK_FLAGS[@]}" "${VOLUME_FLAGS[@]}")
if ((${#SECRET_FLAGS[@]})); then
  DEPLOY_FLAGS+=(--set-secrets "$(IFS=','; printf '%s' "${SECRET_FLAGS[*]}")")
fi
# max-instances 1: the embedded store on NFS must never have two writers
run gcloud run deploy "$NAME" "${DEPLOY_FLAGS[@]}" --quiet
capture URL "https://$NAME-<hash>.a.run.app" gcloud run services describe "$NAME" --region "$REGION" --project "$PROJECT" --format 'value(status.url)'
if [[ "$AUTH_FLAG" == "--allow-unauthenticated" ]]; then
  wait_healthy "$URL"
else
  capture TOKEN "<identity-token>" gcloud auth print-identity-token
  MASKED+=("$TOKEN")
  wait_healthy "$URL" -H "Authorization: Bearer $TOKEN"
fi
