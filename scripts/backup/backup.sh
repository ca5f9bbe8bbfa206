#!/usr/bin/env bash
# Back up the library while the app runs; the archive path is the last line of output.
#   backup.sh [--data-dir DIR] [--dest DIR] [--keep N] [--upload s3://bucket/prefix|gs://bucket/prefix|az://account/container/prefix]
set -euo pipefail
# shellcheck source=scripts/backup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

UPLOAD=""
ARGS=()
while (($#)); do
  case "$1" in
    --upload) [[ $# -ge 2 ]] || die "--upload needs a destination such as s3://bucket/prefix."; UPLOAD="$2"; shift ;;
    --upload=*) UPLOAD="${1#--upload=}" ;;
    -h | --help) sed -n '2,3p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done

# check the upload target before the snapshot, so a typo costs nothing
case "$UPLOAD" in
  "") ;;
  s3://?*) command -v aws >/dev/null || die "Uploading to $UPLOAD needs the aws CLI; install it or drop --upload." ;;
  gs://?*) command -v gsutil >/dev/null || command -v gcloud >/dev/null ||
    die "Uploading to $UPLOAD needs gsutil or gcloud; install one or drop --upload." ;;
  az://?*/?*) command -v az >/dev/null || die "Uploading to $UPLOAD needs the az CLI; install it or drop --upload." ;;
  *) die "--upload must look like s3://bucket/prefix, gs://bucket/prefix or az://account/container/prefix." ;;
esac

PY="$(find_python)"
ARCHIVE="$("$PY" "$BACKUP_DIR/snapshot.py" "${ARGS[@]}" | tail -n 1)"
[[ -f "$ARCHIVE" ]] || exit 1  # snapshot.py has said what went wrong
NAME="$(basename "$ARCHIVE")"

upload() {
  case "$UPLOAD" in
    s3://*) aws s3 cp --only-show-errors "$ARCHIVE" "${UPLOAD%/}/$NAME" ;;
    gs://*)
      if command -v gsutil >/dev/null; then
        gsutil -q cp "$ARCHIVE" "${UPLOAD%/}/$NAME"
      else
        gcloud storage cp "$ARCHIVE" "${UPLOAD%/}/$NAME"
      fi ;;
    az://*)
      local rest="${UPLOAD#az://}"
      local account="${rest%%/*}" path="${rest#*/}"
      local container="${path%%/*}" prefix=""
      [[ "$path" == */* ]] && prefix="${path#*/}"
      az storage blob upload --only-show-errors --auth-mode login --account-name "$account" \
        --container-name "$container" --name "${prefix:+${prefix%/}/}$NAME" --file "$ARCHIVE" --overwrite false >/dev/null ;;
  esac
}

if [[ -n "$UPLOAD" ]]; then
  upload || die "The backup $ARCHIVE was written but the upload to $UPLOAD failed; check your cloud login and upload it again."
  printf 'uploaded to %s/%s\n' "${UPLOAD%/}" "$NAME" >&2
fi
printf '%s\n' "$ARCHIVE"
