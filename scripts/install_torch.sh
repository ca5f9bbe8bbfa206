#!/usr/bin/env bash
# Install torch before anything that depends on it: the CPU build unless an NVIDIA GPU is present, so no
# later requirement can pull the CUDA build (hundreds of MB plus CUDA libraries) onto a CPU-only machine.
# Usage: scripts/install_torch.sh PIP VERSION
set -euo pipefail
pip="$1"
version="$2"
python="$(dirname "$pip")/python"
cpu_index="${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"

if "$python" -c "import sys, torch; sys.exit(not torch.__version__.startswith(sys.argv[1]))" "$version" 2>/dev/null; then
  echo "torch $version already installed"
elif command -v nvidia-smi >/dev/null 2>&1; then
  "$pip" install --quiet "torch==$version"
elif "$python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/torch/', timeout=5)" "$cpu_index" 2>/dev/null; then
  "$pip" install --quiet "torch==$version" --index-url "$cpu_index" --extra-index-url https://pypi.org/simple
elif [ -n "${PIP_FIND_LINKS:-}" ]; then
  # Offline or firewalled: a local wheel folder supplies the CPU build ("+cpu" sorts above the plain version).
  "$pip" install --quiet "torch==$version"
else
  echo "error: $cpu_index is unreachable and PIP_FIND_LINKS is unset; install torch==$version (CPU build) first." >&2
  exit 1
fi
