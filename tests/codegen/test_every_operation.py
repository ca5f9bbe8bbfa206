"""Every operation of the large shared specs yields a sample that each language's own compiler or parser accepts.

The live tests run a spread of operations; this sweeps every operation of Stripe, OpenAI, Discord, Twilio,
the Wise Postman collection and GitHub's GraphQL schema (about 1,500) through the real toolchains, one
batch per language (TypeScript type-checked, Go parsed and gofmt-clean, Java and C# compiled, PHP, Ruby
and PowerShell parsed).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from src.rag.codegen import generate_samples
from tests.codegen.runners import powershell_tree, require
from tests.codegen.sample_specs import DATA_DIR
from tests.codegen.scenarios import _parsed

SPEC_FILES = ("specs/stripe_spec3_2022-04.json", "specs/openai_openapi.yaml", "specs/discord_openapi.json",
              "specs/twilio/twilio_api_v2010.json", "postman/wise_all_endpoints.json", "graphql/github_schema.graphql")


@pytest.fixture(scope="module")
def operations():
    missing = [name for name in SPEC_FILES if not (DATA_DIR / name).is_file()]
    assert not missing, f"shared specs missing: {missing}"
    found = [(spec, op) for spec in (_parsed(DATA_DIR / name) for name in SPEC_FILES) for op in spec.operations]
    assert len(found) > 1400
    return found


def _write(operations, language: str, folder: Path, name) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, (spec, op) in enumerate(operations):
        path = folder / name(n)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_samples(spec, op, [language])[0].code, encoding="utf-8")
        paths.append(path)
    return paths


def _check(argv: list[str], cwd: Path, timeout: int = 900) -> str:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (proc.stderr or proc.stdout)[-3000:]
    return proc.stdout


def test_typescript_samples_type_check(operations, tmp_path):
    require("tsc", "npm")
    files = _write(operations, "typescript", tmp_path, lambda n: f"s{n}.ts")
    types = _check(["npm", "root", "-g"], tmp_path).strip()
    _check(["tsc", "--noEmit", "--strict", "--noUnusedLocals", "--target", "es2022", "--module", "commonjs",
            "--moduleDetection", "force", "--lib", "es2022,dom", "--types", "node", "--typeRoots",
            f"{types}/@types", "--skipLibCheck", *map(str, files)], tmp_path)


def test_go_samples_parse_and_are_gofmt_clean(operations, tmp_path):
    require("gofmt")
    _write(operations, "go", tmp_path, lambda n: f"s{n}.go")
    assert _check(["gofmt", "-e", "-l", "."], tmp_path) == ""


def test_java_samples_compile_without_warnings(operations, tmp_path):
    require("javac")
    files = _write(operations, "java", tmp_path / "src", lambda n: f"s{n}/Main.java")
    for n, path in enumerate(files):  # one javac run: each Main in its own package
        path.write_text(f"package s{n};\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    _check(["javac", "-Xlint:all", "-Werror", "-d", str(tmp_path / "classes"), *map(str, files)], tmp_path)


def test_csharp_samples_compile_without_warnings(operations, tmp_path):
    require("mcs")
    files = _write(operations, "csharp", tmp_path, lambda n: f"s{n}.cs")
    for n, path in enumerate(files):  # one mcs run: each Program in its own namespace
        path.write_text(f"namespace S{n} {{\n" + path.read_text(encoding="utf-8") + "}\n", encoding="utf-8")
    _check(["mcs", "-target:library", "-warnaserror+", "-r:System.Net.Http.dll", f"-out:{tmp_path / 'all.dll'}",
            *map(str, files)], tmp_path)


def test_php_ruby_and_powershell_samples_parse(operations, tmp_path):
    require("php", "ruby")
    _write(operations, "php", tmp_path / "php", lambda n: f"s{n}.php")
    _write(operations, "ruby", tmp_path / "ruby", lambda n: f"s{n}.rb")
    lint_php = ('$bad = 0; foreach (glob("*.php") as $f) { try { token_get_all(file_get_contents($f), TOKEN_PARSE); }'
                ' catch (ParseError $e) { $bad++; echo $f, ": ", $e->getMessage(), "\\n"; } } exit($bad ? 1 : 0);')
    _check(["php", "-r", lint_php], tmp_path / "php")
    lint_ruby = ('bad = Dir["*.rb"].count { |f| begin; RubyVM::InstructionSequence.compile_file(f); false; '
                 'rescue SyntaxError => e; puts "#{f}: #{e.message[0, 300]}"; true; end }; exit(bad.zero? ? 0 : 1)')
    _check(["ruby", "-e", lint_ruby], tmp_path / "ruby")
    broken = [op.key for spec, op in operations
              if powershell_tree(generate_samples(spec, op, ["powershell"])[0].code).has_error]
    assert broken == []
