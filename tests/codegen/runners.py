"""Run generated samples as real programs, one runner per language, compiled ones built once per session.

A runner whose toolchain is missing skips with the reason on a developer machine, and fails under CI
(``CI`` set), where `.ci/run` installs every toolchain listed here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

SECRETS = {
    "API_TOKEN": "tok_test_123",
    "API_KEY": "key_test_456",
    "API_USERNAME": "alice",
    "API_PASSWORD": "s3cret",
}
_BUILD_TIMEOUT = 600
# Runs one program's code in a folder (with extra environment variables) and returns what it printed.
Runner = Callable[..., str]


def require(*tools: str) -> None:
    """Skip (or, under CI, fail) when one of the executables a runner needs is not installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = f"{', '.join(missing)} is not installed, so these samples cannot be run"
    if os.environ.get("CI"):
        pytest.fail(reason + "; .ci/run installs it", pytrace=False)
    pytest.skip(reason)


def _env(home: Path) -> dict[str, str]:
    # PATH, a private HOME and the credentials only: no proxy settings may divert loopback traffic.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "NO_PROXY": "*", "no_proxy": "*",
            "LANG": "C.UTF-8", **SECRETS}


def _run(argv: Sequence[str], cwd: Path, timeout: int = 60,
         extra: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(argv), env=_env(cwd) | dict(extra or {}), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{argv[0]} failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-3000:]}"
    return proc


def _script(name: str, *argv: str, needs: tuple[str, ...] = ()) -> Runner:
    def run(code: str, tmp_path: Path, env: Mapping[str, str] | None = None) -> str:
        require(argv[0], *needs)
        script = tmp_path / name
        script.write_text(code, encoding="utf-8")
        return _run([*argv, str(script)], tmp_path, extra=env).stdout
    return run


run_python = _script("sample.py", sys.executable)
run_curl = _script("sample.sh", "bash", needs=("curl",))
run_node = _script("sample.js", "node")
run_php = _script("sample.php", "php")
run_ruby = _script("sample.rb", "ruby")
run_httpie = _script("sample.sh", "bash", needs=("http",))


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()[:16]


class CompiledSamples:
    """Build many samples of one compiled language in one go and run each built program on demand."""

    def __init__(self, root: Path, tools: tuple[str, ...], build: Callable[[Path, dict[str, str]], None],
                 command: Callable[[Path, str], list[str]]) -> None:
        self.root, self.tools, self._build, self._command = root, tools, build, command
        self._built: set[str] = set()

    def prebuild(self, codes: Sequence[str]) -> None:
        """Compile every sample not built yet, in as few compiler runs as the language allows."""
        require(*self.tools)
        todo = {_digest(c): c for c in codes if _digest(c) not in self._built}
        if todo:
            self.root.mkdir(parents=True, exist_ok=True)
            self._build(self.root, todo)
            self._built |= set(todo)

    def run(self, code: str, tmp_path: Path, env: Mapping[str, str] | None = None) -> str:
        """Run one sample (building it first when no batch did) with ``env`` added, and return its output."""
        self.prebuild([code])
        return _run(self._command(self.root, "s" + _digest(code)), tmp_path, extra=env).stdout


def _go_build(root: Path, todo: dict[str, str]) -> None:
    (root / "go.mod").write_text("module samples\n\ngo 1.19\n")
    for digest, code in todo.items():
        (root / f"s{digest}").mkdir(exist_ok=True)
        (root / f"s{digest}" / "main.go").write_text(code, encoding="utf-8")
    (root / "bin").mkdir(exist_ok=True)
    cache = Path(os.environ.get("GOCACHE") or Path.home() / ".cache" / "go-build")
    env = _env(root) | {"GOCACHE": str(cache), "GOPATH": str(root / "gopath"), "GOFLAGS": "-mod=mod",
                        "GOPROXY": "off", "GO111MODULE": "on"}
    pkgs = [f"./s{d}" for d in todo]
    proc = subprocess.run(["go", "build", "-o", str(root / "bin") + "/", *pkgs], cwd=root, env=env,
                          capture_output=True, text=True, timeout=_BUILD_TIMEOUT)
    assert proc.returncode == 0, f"go build failed: {proc.stderr[-3000:]}"
    unformatted = subprocess.run(["gofmt", "-l", *pkgs], cwd=root, capture_output=True, text=True, timeout=60)
    assert unformatted.stdout == "", f"samples gofmt would change: {unformatted.stdout}"
    vet = subprocess.run(["go", "vet", *pkgs], cwd=root, env=env, capture_output=True, text=True,
                         timeout=_BUILD_TIMEOUT)
    assert vet.returncode == 0, f"go vet failed: {vet.stderr[-3000:]}"


def _java_build(root: Path, todo: dict[str, str]) -> None:
    files = []
    for digest, code in todo.items():
        # One javac run for all samples: each sample's Main goes into its own package.
        folder = root / "src" / f"s{digest}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "Main.java").write_text(f"package s{digest};\n" + code, encoding="utf-8")
        files.append(str(folder / "Main.java"))
    _run(["javac", "-Xlint:all", "-Werror", "-d", str(root / "classes"), *files], root, _BUILD_TIMEOUT)


def _csharp_build(root: Path, todo: dict[str, str]) -> None:
    for digest, code in todo.items():
        (root / f"s{digest}.cs").write_text(code, encoding="utf-8")
        _run(["mcs", "-warnaserror+", "-r:System.Net.Http.dll", f"-out:{root / f's{digest}.exe'}",
              str(root / f"s{digest}.cs")], root, _BUILD_TIMEOUT)


def _ts_build(root: Path, todo: dict[str, str]) -> None:
    types = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, timeout=60).stdout.strip()
    files = []
    for digest, code in todo.items():
        (root / f"s{digest}.ts").write_text(code, encoding="utf-8")
        files.append(str(root / f"s{digest}.ts"))
    _run(["tsc", "--strict", "--noUnusedLocals", "--target", "es2022", "--module", "commonjs",
          "--moduleDetection", "force", "--lib", "es2022,dom", "--types", "node", "--typeRoots",
          f"{types}/@types", "--skipLibCheck", "--outDir", str(root / "out"), *files], root, _BUILD_TIMEOUT)


def compiled_runners(root: Path) -> dict[str, CompiledSamples]:
    """Return the compiled-language runners, building under ``root`` (one folder per language)."""
    return {
        "go": CompiledSamples(root / "go", ("go", "gofmt"), _go_build, lambda r, n: [str(r / "bin" / n)]),
        "java": CompiledSamples(root / "java", ("javac", "java"), _java_build,
                                lambda r, n: ["java", "-cp", str(r / "classes"), f"{n}.Main"]),
        "csharp": CompiledSamples(root / "csharp", ("mcs", "mono"), _csharp_build,
                                  lambda r, n: ["mono", str(r / f"{n}.exe")]),
        "typescript": CompiledSamples(root / "typescript", ("tsc", "node", "npm"), _ts_build,
                                      lambda r, n: ["node", str(r / "out" / f"{n}.js")]),
    }


SCRIPT_RUNNERS: dict[str, Runner] = {
    "python": run_python, "curl": run_curl, "javascript": run_node, "php": run_php, "ruby": run_ruby,
    "httpie": run_httpie,
}
# The chained scripts of the shells pick response fields with jq, the shells' JSON tool.
CHAIN_SCRIPT_RUNNERS: dict[str, Runner] = SCRIPT_RUNNERS | {
    "curl": _script("chain.sh", "bash", needs=("curl", "jq")),
    "httpie": _script("chain.sh", "bash", needs=("http", "jq")),
}
# Languages whose toolchain does not install from Debian or npm here: parsed by a real parser instead.
PARSED_ONLY = ("powershell",)


def powershell_tree(code: str):
    """Parse PowerShell with the tree-sitter grammar and return the syntax tree's root node."""
    import tree_sitter
    import tree_sitter_powershell

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))
    return parser.parse(code.encode("utf-8")).root_node


def parse_powershell(code: str) -> None:
    """Fail with the first syntax error's position when the PowerShell sample does not parse."""
    root = powershell_tree(code)
    if root.has_error:
        bad = _first_error(root)
        line = code.split("\n")[bad.start_point[0]] if bad is not None else ""
        pytest.fail(f"PowerShell sample does not parse near line {bad.start_point[0] + 1 if bad else '?'}: {line!r}")


def _first_error(node):
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        found = _first_error(child) if child.has_error or child.is_missing else None
        if found is not None:
            return found
    return None
