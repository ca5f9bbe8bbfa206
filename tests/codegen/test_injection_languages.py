"""Random hostile spec strings, in every executed language, reach the stand-in API exactly and never run.

Each language builds its batch of fuzzed samples once (one compiler run), then runs every one of them.
PowerShell's are checked by its parser: the program's shape (everything but its string literals and
comments) must not change whatever the strings hold.
"""

from __future__ import annotations

import random

import pytest

from src.rag.codegen import generate_samples
from src.rag.types import ApiSpec, AuthScheme, Operation, Parameter, RequestBody, SchemaField, SpecFormat
from tests.codegen.runners import SCRIPT_RUNNERS, powershell_tree
from tests.codegen.scenarios import assert_received
from tests.codegen.test_languages_live import EXECUTED

# Characters that end, escape or interpolate a literal or a comment somewhere among the target languages.
_ALPHABET = list("\"'`$\\{}#@;:=?<>*/%&+() ab") + ["\n", "\r", "\t", "\x00", "\x7f", "\u2028", "\u2019", "\u201c",
                                                    "\\u000a", "?>", "*/", "#{", "${", "$(", "@\"", '"""', "\U0001f600"]
EXAMPLES = 5


def _hostile(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 12)))


def _specs() -> list[ApiSpec]:
    rng = random.Random(16)
    out = []
    for _ in range(EXAMPLES):
        words = [_hostile(rng) for _ in range(6)]
        op = Operation(
            "POST", f"/v1/{words[0]}/{{item}}", summary=words[1], security=("k",),
            # Path values are placeholders put into the URL as they are (curl cannot encode them), so plain.
            parameters=(Parameter("item", "path", True, example="item-7"),
                        Parameter("q" + words[3], "query", True, example=words[4]),
                        Parameter("X-Fuzz", "header", True, example=words[5])),
            request_body=RequestBody("application/json", fields=(
                SchemaField("f" + words[1], "string", True, example=words[2] + words[3]),
                SchemaField("nested", "object", True), SchemaField("nested.v", "string", True, example=words[0]))),
        )
        out.append(ApiSpec("Fuzz", "1", SpecFormat.OPENAPI_30, servers=("https://f.example.com",), operations=(op,),
                           auth_schemes=(AuthScheme("k", "apiKey", location="header", param_name="X-Key"),)))
    return out


SPECS = _specs()


def _code(spec: ApiSpec, language: str, base_url: str) -> str:
    return generate_samples(spec, spec.operations[0], [language], base_url=base_url)[0].code


@pytest.mark.parametrize("language", EXECUTED)
def test_fuzzed_samples_send_their_strings_verbatim(language, shared_api, compiled, tmp_path):
    codes = [_code(spec, language, shared_api.base_url) for spec in SPECS]
    if language in compiled:
        compiled[language].prebuild(codes)
    for n, (spec, code) in enumerate(zip(SPECS, codes)):
        workdir = tmp_path / str(n)
        workdir.mkdir()
        shared_api.received.clear()
        (compiled[language].run if language in compiled else SCRIPT_RUNNERS[language])(code, workdir)
        from src.rag.codegen import build_request

        assert_received(shared_api.only(), build_request(spec, spec.operations[0], shared_api.base_url))
        assert not any(p.name == "pwned" for p in workdir.rglob("*"))


def _inventory(node, found: dict[str, set[str] | int]) -> None:
    """Collect the commands, variables and script blocks a PowerShell syntax tree holds."""
    if node.type == "command_name":
        found["commands"].add(node.text.decode())
    elif node.type == "variable":
        found["variables"].add(node.text.decode())
    elif node.type in {"script_block", "sub_expression"}:
        found[node.type] += 1
    for child in node.children:
        _inventory(child, found)


def test_powershell_samples_run_nothing_but_their_own_commands():
    for spec in SPECS:
        root = powershell_tree(_code(spec, "powershell", "http://127.0.0.1:8080"))
        assert not root.has_error
        found: dict = {"commands": set(), "variables": set(), "script_block": 0, "sub_expression": 0}
        _inventory(root, found)
        # Any command, variable, $(...) or { } that a spec string smuggled in would show up here.
        assert found["commands"] == {"Invoke-RestMethod", "ForEach-Object", "ConvertTo-Json"}
        assert found["variables"] == {"$Uri", "$Query", "$Headers", "$Payload", "$Body", "$Response", "$ITEM",
                                      "$env:API_KEY", "$_"}
        assert (found["script_block"], found["sub_expression"]) == (1, 0)
