#!/usr/bin/env bash
# Restore a backup made by backup.sh, verified and checked before it replaces the live library.
#   restore.sh [--data-dir DIR] [--yes] ARCHIVE
#   restore.sh [--data-dir DIR] --rollback
# Stop the app first (or restart it afterwards): a running app keeps the replaced files open.
set -euo pipefail
# shellcheck source=scripts/backup/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PY="$(find_python)"
exec "$PY" "$BACKUP_DIR/restore.py" "$@"
