"""`.env.example` lists every setting commented out with the value the code really defaults to."""

from __future__ import annotations

import re

from tests.ops.helpers import ROOT, env_example_entries


def test_every_default_in_env_example_is_the_code_default() -> None:
    from src.core.config import Settings

    defaults, wrong = Settings(), {}
    for name, shown in env_example_entries().items():
        field = name.removeprefix("APIASSIST_").lower()
        if not shown or not getattr(defaults, field):
            continue  # an empty default; the example shows what a value looks like
        parsed = getattr(Settings(**{field: shown}), field)  # parsed as the environment would be
        if parsed != getattr(defaults, field):
            wrong[name] = (shown, getattr(defaults, field))
    assert not wrong, f"{{name: (.env.example, code)}}: {wrong}"


def test_env_example_sets_nothing_it_claims_only_to_document() -> None:
    active = [line for line in (ROOT / ".env.example").read_text().splitlines() if re.match(r"^APIASSIST_", line)]
    assert active == [], f"uncommented settings in .env.example: {active}"
