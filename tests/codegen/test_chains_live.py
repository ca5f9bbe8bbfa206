"""Every language's chained script, run against the stand-in API, sends a plan's calls in order, each fed by
the replies before it: method, path (values percent-encoded), query, headers, auth and body as received.

PowerShell's chained scripts are parsed by the tree-sitter PowerShell grammar, like its single-call samples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from src.rag.codegen import SUPPORTED_LANGUAGES, chained_script
from tests.codegen.chains import CHAIN_CASES, ChainCase, split_path_values
from tests.codegen.conftest import StandInApi
from tests.codegen.runners import CHAIN_SCRIPT_RUNNERS, parse_powershell
from tests.codegen.scenarios import assert_received, upload_file
from tests.codegen.test_languages_live import EXECUTED


def _code(case: ChainCase, language: str) -> str:
    return chained_script(case.plan(), case.specs(), language)


def _run(language: str, case: ChainCase, api: StandInApi, compiled: dict, tmp_path: Path) -> str:
    env = {"API_BASE_URL": api.base_url + case.prefix()}
    code = _code(case, language)
    if language in compiled:
        runner = compiled[language]
        runner.prebuild([_code(c, language) for c in CHAIN_CASES])  # one build for every chain
        return runner.run(code, tmp_path, env)
    return CHAIN_SCRIPT_RUNNERS[language](code, tmp_path, env)


@pytest.mark.parametrize("case", CHAIN_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("language", EXECUTED)
def test_chain_sends_each_call_fed_by_the_replies_before_it(language, case, shared_api, compiled, tmp_path):
    expected = case.expected(shared_api.base_url + case.prefix())
    shared_api.replies[:] = case.replies()
    for model in expected:
        upload_file(model, tmp_path)
    output = _run(language, case, shared_api, compiled, tmp_path)
    got = shared_api.received
    assert [(r.method, len(r.path) > 0) for r in got] == [(m.method, True) for m in expected], "calls out of order"
    for n, (received, model) in enumerate(zip(got, expected), start=1):
        try:
            assert_received(received, model)
        except AssertionError as err:
            raise AssertionError(f"step {n} ({case.plan()[n - 1].key}): {err}") from err
        # a value from a reply is one path segment, its slash percent-encoded
        assert not split_path_values(model, received.path), (n, received.path)
    assert "ok" in output, "the script must print the last response"
    assert not any(p.name == "pwned" for p in tmp_path.rglob("*")), "a spec string ran as code"


@pytest.mark.parametrize("case", CHAIN_CASES, ids=lambda c: c.name)
def test_powershell_chain_parses(case):
    code = _code(case, "powershell")
    parse_powershell(code)
    assert code.count("Invoke-RestMethod -Method") == len(case.plan())


def test_every_language_has_a_chained_script():
    case = CHAIN_CASES[0]
    assert all(_code(case, lang).strip() for lang in SUPPORTED_LANGUAGES)
