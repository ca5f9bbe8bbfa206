# shellcheck shell=bash
# Shared by backup.sh and restore.sh: find the Python that has the app installed.

BACKUP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BACKUP_DIR/../.." && pwd)"

# $PYTHON wins; then the project's virtualenv; then the python on PATH (the image's /opt/venv).
find_python() {
  if [[ -n "${PYTHON:-}" ]]; then
    printf '%s\n' "$PYTHON"
  elif [[ -x "$REPO_ROOT/.venv/bin/python" ]]; then
    printf '%s\n' "$REPO_ROOT/.venv/bin/python"
  elif command -v python >/dev/null 2>&1; then
    command -v python
  else
    command -v python3 || { printf 'error: %s\n' "No Python found; set PYTHON to the interpreter the app is installed in." >&2; exit 1; }
  fi
}

export HF_HUB_OFFLINE=1
# the helpers import the app from the repository root, wherever they are started from
export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
