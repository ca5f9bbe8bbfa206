#!/usr/bin/env bash
# Deploy to DigitalOcean: image to the Container Registry, one Droplet running the container with the
# data directory on a Block Storage volume, health wait, URL printed last. DigitalOcean has no secret
# manager: secrets go from a local 0600 file over SSH (stdin) into a root-only file on the Droplet.
set -euo pipefail
# shellcheck source=scripts/deployment/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

usage() {
  cat <<'EOF'
Usage: scripts/deployment/digitalocean/deploy.sh [--dry-run]
Required: DO_REGION, DO_SSH_KEY (id or fingerprint of an SSH key in your account),
DO_REGISTRY (your container registry's name; created if you have none).
Optional: DO_SIZE (s-2vcpu-4gb), DO_VOLUME_SIZE (20GiB), DO_IMAGE (docker-20-04),
DO_PUBLIC_PORT (80), DEPLOY_SECRETS_FILE (APIASSIST_LLM_API_KEY=... lines, mode 0600).
EOF
  usage_common
}

parse_common_args "$@"
require_cmds doctl docker curl
require_vars DO_REGION DO_SSH_KEY DO_REGISTRY
[[ -z "$DEPLOY_SECRETS" ]] || die "DigitalOcean has no secret manager; put secrets in DEPLOY_SECRETS_FILE (mode 0600) instead of DEPLOY_SECRETS."
SECRETS_FILE="${DEPLOY_SECRETS_FILE:-}"
if [[ -n "$SECRETS_FILE" ]]; then
  [[ -r "$SECRETS_FILE" ]] || die "DEPLOY_SECRETS_FILE '$SECRETS_FILE' cannot be read; point it at your secrets file."
  [[ -z "$(find "$SECRETS_FILE" -perm /077)" ]] || die "DEPLOY_SECRETS_FILE is readable by others; run \`chmod 600 $SECRETS_FILE\` and deploy again."
fi
require_login "DigitalOcean (doctl account get failed)" doctl account get
DEPLOY_TAG="${DEPLOY_TAG:-$(default_tag)}"
NAME="$DEPLOY_NAME"
PUBLIC_PORT="${DO_PUBLIC_PORT:-80}"
IMAGE="registry.digitalocean.com/$DO_REGISTRY/$NAME:$DEPLOY_TAG"
MOUNT="/mnt/apiassist"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

note "image $IMAGE"
probe doctl registry get ||
  run doctl registry create "$DO_REGISTRY" --subscription-tier basic --region "$DO_REGION"
run doctl registry login
run docker build --platform linux/amd64 -t "$IMAGE" "$DEPLOY_CONTEXT"
run docker push "$IMAGE"

note "persistent storage on a Block Storage volume"
capture VOLUMES "" doctl compute volume list --format ID,Name --no-header
VOLUME_ID="$(awk -v n="$NAME-data" '$2 == n {print $1}' <<<"$VOLUMES")"
if [[ -z "$VOLUME_ID" ]]; then
  capture VOLUME_ID "<volume-id>" doctl compute volume create "$NAME-data" --region "$DO_REGION" --size "${DO_VOLUME_SIZE:-20GiB}" --fs-type ext4 --format ID --no-header
fi

note "Droplet"
capture DROPLETS "" doctl compute droplet list --format Name,PublicIPv4 --no-header
PUBLIC_IP="$(awk -v n="$NAME" '$1 == n {print $2}' <<<"$DROPLETS")"
if [[ -z "$PUBLIC_IP" ]]; then
  cat >"$WORK/cloud-init.yaml" <<EOF
#cloud-config
# mount the volume where the container keeps its data, owned by the image's non-root user
runcmd:
  - mkdir -p $MOUNT
  - grep -q '$MOUNT ' /etc/fstab || echo '/dev/disk/by-id/scsi-0DO_Volume_$NAME-data $MOUNT ext4 defaults,nofail,discard 0 2' >> /etc/fstab
  - mount -a
  - mkdir -p $MOUNT/data
  - chown -R 10001:10001 $MOUNT
EOF
  show_file "cloud-init user data" "$WORK/cloud-init.yaml"
  capture PUBLIC_IP "<droplet-ip>" doctl compute droplet create "$NAME" --region "$DO_REGION" --size "${DO_SIZE:-s-2vcpu-4gb}" --image "${DO_IMAGE:-docker-20-04}" --ssh-keys "$DO_SSH_KEY" --volumes "$VOLUME_ID" --user-data-file "$WORK/cloud-init.yaml" --tag-names "$NAME" --enable-monitoring --wait --format PublicIPv4 --no-header
  run doctl compute firewall create --name "$NAME" --tag-names "$NAME" --inbound-rules "protocol:tcp,ports:22,address:0.0.0.0/0,address:::/0 protocol:tcp,ports:$PUBLIC_PORT,address:0.0.0.0/0,address:::/0" --outbound-rules "protocol:tcp,ports:all,address:0.0.0.0/0,address:::/0 protocol:udp,ports:all,address:0.0.0.0/0,address:::/0"
fi

note "container on the Droplet"
capture PULL_AUTH "<registry-credentials>" doctl registry docker-config --read-write=false --expiry-seconds 3600
MASKED+=("$PULL_AUTH")
plain_settings >"$WORK/settings.env"
{
  printf 'set -euo pipefail\ncloud-init status --wait >/dev/null || true\numask 077\n'
  printf 'mkdir -p /root/.docker /etc/apiassist\n'
  printf "cat > /root/.docker/config.json <<'APIASSIST_EOF'\n%s\nAPIASSIST_EOF\n" "$PULL_AUTH"
  printf "cat > /etc/apiassist/settings.env <<'APIASSIST_EOF'\nPORT=%s\n%s\nAPIASSIST_EOF\n" "$DEPLOY_PORT" "$(cat "$WORK/settings.env")"
  printf "cat > /etc/apiassist/secrets.env <<'APIASSIST_EOF'\n"
  if [[ -n "$SECRETS_FILE" ]]; then grep -E '^APIASSIST_[A-Z0-9_]+=' "$SECRETS_FILE" || true; fi
  printf 'APIASSIST_EOF\n'
  printf 'docker pull %s\ndocker rm -f %s >/dev/null 2>&1 || true\n' "$IMAGE" "$NAME"
  printf 'docker run -d --name %s --restart unless-stopped -p %s:%s --env-file /etc/apiassist/settings.env --env-file /etc/apiassist/secrets.env -v %s:%s %s\n' \
    "$NAME" "$PUBLIC_PORT" "$DEPLOY_PORT" "$MOUNT" "$VOLUME_PATH" "$IMAGE"
} >"$WORK/remote.sh"
if ((DRY_RUN)); then
  printf '%s < remote.sh\n' "$(show doctl compute ssh "$NAME" --ssh-command 'bash -s')"
  # never print secret values, even masked ones, in the plan
  sed -e '/secrets.env <</,/^APIASSIST_EOF/{/^APIASSIST_[A-Z0-9_]*=/s/=.*/=***/}' -e "s|$PULL_AUTH|***|" \
    -e 's/^/#   /' "$WORK/remote.sh"
else
  printf '+ %s < remote.sh\n' "$(show doctl compute ssh "$NAME" --ssh-command 'bash -s')" >&2
  doctl compute ssh "$NAME" --ssh-command 'bash -s' <"$WORK/remote.sh" ||
    die "The container could not be started on the Droplet; run \`doctl compute ssh $NAME\` and check \`docker logs $NAME\`."
fi

URL="http://$PUBLIC_IP"
[[ "$PUBLIC_PORT" == "80" ]] || URL="$URL:$PUBLIC_PORT"
wait_healthy "$URL"
