#!/usr/bin/env bash
# Regenerate requirements.lock (runtime) and requirements-dev.lock (runtime + dev) from pyproject.toml (run `make lock` after adding or raising a dependency).
# torch is resolved as its CPU build, so the lock never pulls CUDA libraries; torch itself is
# left out of the lock and installed first by `make` (CPU build unless a GPU is present).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
CPU_INDEX="${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"

# Without the CPU index (offline mirror, firewall) the resolver must find the CPU wheel through
# PIP_FIND_LINKS; otherwise it would lock torch's CUDA dependencies.
index=()
if "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/torch/', timeout=5)" "$CPU_INDEX" 2>/dev/null; then
  index=(--extra-index-url "$CPU_INDEX")
elif [ -z "${PIP_FIND_LINKS:-}" ]; then
  echo "warning: $CPU_INDEX is unreachable and PIP_FIND_LINKS is unset; the CPU build of torch cannot be resolved." >&2
fi

# Resolve against the CPU build, so torch's CUDA-only dependencies never enter the lock.
cpu_only="$(mktemp)"
trap 'rm -f "$cpu_only"' EXIT
echo "torch==2.13.0+cpu" > "$cpu_only"

compile() {  # compile OUTPUT [extra pip-compile options]
  local output="$1"
  shift
  CUSTOM_COMPILE_COMMAND="make lock" "$PYTHON" -m piptools compile pyproject.toml \
    --constraint "$cpu_only" \
    --strip-extras \
    --unsafe-package torch \
    "${index[@]}" \
    --no-emit-index-url \
    --no-emit-find-links \
    --no-emit-trusted-host \
    --no-emit-options \
    --quiet \
    --output-file "$output" "$@"
}

# The image installs the runtime lock; `make` installs the dev lock, pinned to the same runtime versions.
compile requirements.lock
compile requirements-dev.lock --extra dev --constraint requirements.lock
echo "requirements.lock and requirements-dev.lock written; commit them with the pyproject.toml change."
