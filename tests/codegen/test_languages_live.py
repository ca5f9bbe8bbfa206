"""Every language's sample, run for real against the stand-in API, sends the request the spec describes.

Compiled languages build all their samples in one compiler run per session; PowerShell, whose toolchain
does not install here, is parsed by the tree-sitter PowerShell grammar instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from src.rag.codegen import SUPPORTED_LANGUAGES, generate_samples
from tests.codegen.conftest import StandInApi
from tests.codegen.runners import PARSED_ONLY, SCRIPT_RUNNERS, parse_powershell
from tests.codegen.scenarios import NASTY, SCENARIOS, Scenario, assert_received, upload_file

EXECUTED = ("curl", "python", "javascript", "typescript", "go", "java", "csharp", "php", "ruby", "httpie")


def _code(scenario: Scenario, language: str, api: StandInApi) -> str:
    (sample,) = generate_samples(scenario.spec(), scenario.operation(), [language],
                                 base_url=api.base_url + scenario.prefix)
    return sample.code


def test_every_language_is_either_executed_or_parsed():
    assert sorted(EXECUTED + PARSED_ONLY) == sorted(SUPPORTED_LANGUAGES)
    assert len(SUPPORTED_LANGUAGES) >= 10


def _run(language: str, code: str, api: StandInApi, compiled: dict, tmp_path: Path) -> str:
    if language in compiled:
        runner = compiled[language]
        runner.prebuild([_code(s, language, api) for s in SCENARIOS])  # one build for the whole session
        return runner.run(code, tmp_path)
    return SCRIPT_RUNNERS[language](code, tmp_path)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("language", EXECUTED)
def test_sample_sends_the_request_the_spec_describes(language, scenario, shared_api, compiled, tmp_path):
    code = _code(scenario, language, shared_api)
    upload_file(scenario.model(shared_api.base_url), tmp_path)
    output = _run(language, code, shared_api, compiled, tmp_path)
    assert_received(shared_api.only(), scenario.model(shared_api.base_url))
    assert '"ok"' in output, "the sample must print the response"
    assert not any(p.name == "pwned" for p in tmp_path.rglob("*")), "a spec string ran as code"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_powershell_sample_parses(scenario):
    code = _code(scenario, "powershell", StandInApi(base_url="http://127.0.0.1:8080"))
    parse_powershell(code)
    assert "Invoke-RestMethod -Method" in code


def test_hostile_scenario_puts_hostile_text_in_every_kind_of_literal():
    scenario = next(s for s in SCENARIOS if s.name == "hostile-strings")
    model = scenario.model("http://127.0.0.1:8080")
    assert NASTY in scenario.operation().summary
    assert ("q" + NASTY, NASTY) in [(n, str(v)) for n, v in model.query]
    assert any(NASTY.split("\n")[0] in value for _, value in model.headers)
    assert model.body == {"f" + NASTY: NASTY, "n": 3}
