# shellcheck shell=bash
# Shared helpers of the cloud deploy scripts: options, dry-run, preflight checks, health wait.
# Sourced by scripts/deployment/<cloud>/deploy.sh; never run on its own.

DRY_RUN=0
MASKED=()
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Settings every deploy script shares (the variables are documented in docs/operations.md).
DEPLOY_NAME="${DEPLOY_NAME:-apiassist}"
DEPLOY_PORT="${DEPLOY_PORT:-8501}"
DEPLOY_CONTEXT="${DEPLOY_CONTEXT:-$REPO_ROOT}"
DEPLOY_SECRETS="${DEPLOY_SECRETS:-}"
DEPLOY_ENV_FILE="${DEPLOY_ENV_FILE:-}"
DEPLOY_HEALTH_TIMEOUT="${DEPLOY_HEALTH_TIMEOUT:-600}"
# The image keeps its data directory one level below the volume so restore can swap it by rename.
VOLUME_PATH="/var/lib/apiassist"
DATA_DIR="$VOLUME_PATH/data"

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

note() {
  printf '==> %s\n' "$*" >&2
}

usage_common() {
  cat <<'EOF'
Options:
  --dry-run   print every command in order without running any, then exit 0
  -h, --help  show this help
Shared variables: DEPLOY_NAME (apiassist), DEPLOY_TAG (git commit), DEPLOY_PORT (8501),
DEPLOY_SECRETS (VAR=secret-name,... read from the cloud's secret manager),
DEPLOY_ENV_FILE (non-secret APIASSIST_* settings), DEPLOY_HEALTH_TIMEOUT (600 seconds).
EOF
}

parse_common_args() {
  while (($#)); do
    case "$1" in
      --dry-run) DRY_RUN=1 ;;
      -h | --help) usage; exit 0 ;;
      *) die "Unknown option '$1'; run with --help to see the options." ;;
    esac
    shift
  done
}

default_tag() {
  git -C "$DEPLOY_CONTEXT" rev-parse --short HEAD 2>/dev/null || date -u +%Y%m%d%H%M%S
}

# Print a command so it can be pasted into a shell (single-quoted where needed), secrets as ***.
show() {
  local out="" arg secret
  for arg in "$@"; do
    for secret in "${MASKED[@]}"; do
      [[ -n "$secret" ]] && arg="${arg//"$secret"/***}"
    done
    if [[ "$arg" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
      out+="$arg "
    else
      out+="'${arg//\'/\'\\\'\'}' "
    fi
  done
  printf '%s\n' "${out% }"
}

# Run a command; in dry-run only print it.
run() {
  if ((DRY_RUN)); then show "$@"; return 0; fi
  printf '+ %s\n' "$(show "$@")" >&2
  "$@" || die "This command failed: $(show "$@"); fix the cause above and run the deploy again."
}

# capture VAR PLACEHOLDER CMD...: store the command's trimmed stdout in VAR (PLACEHOLDER in dry-run).
capture() {
  local __var="$1" __placeholder="$2" __out
  shift 2
  if ((DRY_RUN)); then show "$@"; printf -v "$__var" '%s' "$__placeholder"; return 0; fi
  printf '+ %s\n' "$(show "$@")" >&2
  __out="$("$@")" || die "This command failed: $(show "$@"); fix the cause above and run the deploy again."
  printf -v "$__var" '%s' "$(printf '%s' "$__out" | tr -d '\r' | sed -e 's/[[:space:]]*$//')"
}

# probe CMD...: succeed when the command succeeds; dry-run prints it and reports "absent",
# so the printed plan is the complete first-time deployment.
probe() {
  if ((DRY_RUN)); then show "$@"; return 1; fi
  printf '+ %s\n' "$(show "$@")" >&2
  "$@" >/dev/null 2>&1
}

# pipe_run LEFT_ARRAY RIGHT_ARRAY: run "left | right" (e.g. a registry password into docker login).
pipe_run() {
  local -n __left="$1" __right="$2"
  if ((DRY_RUN)); then printf '%s | %s\n' "$(show "${__left[@]}")" "$(show "${__right[@]}")"; return 0; fi
  printf '+ %s | %s\n' "$(show "${__left[@]}")" "$(show "${__right[@]}")" >&2
  "${__left[@]}" | "${__right[@]}" || die "Registry login failed; check that your account may push images."
}

# Show a generated file's content in dry-run, so the plan can be reviewed in full.
show_file() {
  local label="$1" path="$2"
  ((DRY_RUN)) || return 0
  printf '# %s (%s):\n' "$label" "$path"
  printf '%s\n' "$(sed -e 's/^/#   /' "$path")"
}

require_cmds() {
  ((DRY_RUN)) && return 0
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "The '$cmd' command is not installed; install it and run the deploy again."
  done
}

require_vars() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "The variable $name is not set; export it (see docs/operations.md) and run the deploy again."
  done
}

# Check we are logged in (in dry-run the check is only printed, like every other command).
require_login() {
  local what="$1"
  shift
  if ((DRY_RUN)); then show "$@"; return 0; fi
  "$@" >/dev/null 2>&1 || die "You are not logged in to $what; log in (see docs/operations.md) and run the deploy again."
}

# Split DEPLOY_SECRETS=VAR=secret,VAR2=secret2 into SECRET_VARS and SECRET_NAMES.
SECRET_VARS=()
SECRET_NAMES=()
load_secrets() {
  local item
  local -a items
  IFS=',' read -r -a items <<<"$DEPLOY_SECRETS"
  for item in "${items[@]}"; do
    [[ -z "$item" ]] && continue
    [[ "$item" == APIASSIST_*=?* ]] || die "DEPLOY_SECRETS entry '$item' is not VAR=secret-name with an APIASSIST_ variable; fix it and run again."
    SECRET_VARS+=("${item%%=*}")
    SECRET_NAMES+=("${item#*=}")
  done
}

# Print the non-secret KEY=VALUE settings: the production defaults, then DEPLOY_ENV_FILE's APIASSIST_* lines.
plain_settings() {
  printf 'APIASSIST_ENV=production\nAPIASSIST_DATA_DIR=%s\n' "$DATA_DIR"
  [[ -z "$DEPLOY_ENV_FILE" ]] && return 0
  [[ -r "$DEPLOY_ENV_FILE" ]] || die "DEPLOY_ENV_FILE '$DEPLOY_ENV_FILE' cannot be read; point it at your settings file."
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^APIASSIST_[A-Z0-9_]+= ]] || continue
    case "${line%%=*}" in
      APIASSIST_LLM_API_KEY | APIASSIST_CHROMA_TOKEN | APIASSIST_ENV | APIASSIST_DATA_DIR)
        die "${line%%=*} must not come from DEPLOY_ENV_FILE; put secrets in DEPLOY_SECRETS and leave the data directory to the deploy." ;;
    esac
    printf '%s\n' "$line"
  done <"$DEPLOY_ENV_FILE"
}

# Wait until URL/_stcore/health answers, then print URL as the last line of output.
wait_healthy() {
  local url="$1"
  shift
  local -a curl_cmd=(curl -fsS --max-time 5 "$@" "$url/_stcore/health")
  if ((DRY_RUN)); then
    show "${curl_cmd[@]}"
    printf '# service URL: %s\n' "$url"
    return 0
  fi
  note "waiting up to ${DEPLOY_HEALTH_TIMEOUT}s for $url/_stcore/health"
  local deadline=$((SECONDS + DEPLOY_HEALTH_TIMEOUT))
  until "${curl_cmd[@]}" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "The service did not become healthy within ${DEPLOY_HEALTH_TIMEOUT}s; read its logs (see docs/operations.md)."
    sleep 5
  done
  note "healthy"
  printf '%s\n' "$url"
}

# Render a JSON or YAML document with python3 from a small program on stdin and arguments.
render() {
  python3 - "$@" || die "Could not write a deployment file; check that python3 works."
}
