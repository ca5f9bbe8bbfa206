"""`make run` and `make test` install only when the dependency files changed, and torch goes in as its CPU
build unless the machine has an NVIDIA GPU (scripts/install_torch.sh, run with stub pip and python)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.ops.helpers import ROOT, free_port

DEPENDENCY_FILES = ("pyproject.toml", "requirements-dev.lock", "requirements-nodeps.txt")
SYSTEM_PATH = "/usr/bin:/bin"


def _checkout(tmp_path: Path) -> Path:
    """Copy the Makefile and the files its install step depends on, with an installed stamp newer than them."""
    for name in ("Makefile", *DEPENDENCY_FILES):
        shutil.copy2(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    (tmp_path / ".venv" / ".installed").write_text("")
    for name in DEPENDENCY_FILES:
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    os.utime(tmp_path / ".venv" / ".installed", (2_000_000, 2_000_000))
    return tmp_path


def _planned(checkout: Path, target: str) -> str:
    """Return the commands `make -n TARGET` would run."""
    return subprocess.run(["make", "-n", "-C", str(checkout), target], capture_output=True, text=True,
                          check=True).stdout


def test_run_installs_nothing_while_the_dependency_files_are_unchanged(tmp_path) -> None:
    planned = _planned(_checkout(tmp_path), "run")
    assert "pip install" not in planned and "install_torch.sh" not in planned
    assert "streamlit run app/main.py" in planned


def test_a_changed_dependency_file_installs_again(tmp_path) -> None:
    checkout = _checkout(tmp_path)
    os.utime(checkout / "requirements-dev.lock", (3_000_000, 3_000_000))  # newer than the stamp
    planned = _planned(checkout, "run")
    assert "install_torch.sh" in planned and "-r requirements-dev.lock" in planned
    assert planned.index("install_torch.sh") < planned.index("-r requirements-dev.lock")  # torch first


def _stub_venv(tmp_path: Path) -> tuple[Path, Path]:
    """Return (pip, log): a pip that records its arguments, beside a python that cannot import torch."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "pip.log"
    pip = bin_dir / "pip"
    pip.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n')
    # -S: no site-packages, so `import torch` fails as on a fresh venv; the standard library still works
    (bin_dir / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" -I -S "$@"\n')
    for path in (pip, bin_dir / "python"):
        path.chmod(0o755)
    return pip, log


class _Index(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _wheel_index() -> Iterator[str]:
    """Serve a stand-in for the CPU wheel index on loopback (any path answers 200)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _install_torch(pip: Path, index: str, path: str = SYSTEM_PATH) -> subprocess.CompletedProcess:
    env = {"PATH": path, "TORCH_CPU_INDEX": index}
    return subprocess.run(["bash", str(ROOT / "scripts" / "install_torch.sh"), str(pip), "2.13.0"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_torch_comes_from_the_cpu_index_on_a_machine_without_a_gpu(tmp_path) -> None:
    assert shutil.which("nvidia-smi", path=SYSTEM_PATH) is None
    pip, log = _stub_venv(tmp_path)
    with _wheel_index() as index:
        result = _install_torch(pip, index)
    assert result.returncode == 0, result.stderr
    assert log.read_text().split() == ["install", "--quiet", "torch==2.13.0", "--index-url", index,
                                       "--extra-index-url", "https://pypi.org/simple"]


def test_a_machine_with_a_gpu_gets_the_default_build(tmp_path) -> None:
    pip, log = _stub_venv(tmp_path)
    gpu = tmp_path / "gpu"
    gpu.mkdir()
    (gpu / "nvidia-smi").write_text("#!/bin/sh\nexit 0\n")
    (gpu / "nvidia-smi").chmod(0o755)
    with _wheel_index() as index:
        result = _install_torch(pip, index, f"{gpu}:{SYSTEM_PATH}")
    assert result.returncode == 0, result.stderr
    assert log.read_text().split() == ["install", "--quiet", "torch==2.13.0"]


def test_an_unreachable_cpu_index_stops_with_one_sentence_instead_of_pulling_cuda(tmp_path) -> None:
    pip, log = _stub_venv(tmp_path)
    result = _install_torch(pip, f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1 and not log.exists()
    assert result.stderr.count("\n") == 1 and "is unreachable and PIP_FIND_LINKS is unset" in result.stderr
