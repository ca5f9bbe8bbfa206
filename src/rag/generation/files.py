"""Read the small YAML or JSON configuration files of the generation package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from src.core.errors import ProviderError


def read_structured_file(path: Path, what: str, env_name: str) -> Any:
    """Parse a ``.json`` file as JSON and anything else as YAML; failures become one-sentence errors."""
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        raise ProviderError(f"The {what} {name} could not be read; check the path in {env_name}.") from None
    try:
        return json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        raise ProviderError(f"The {what} {name} is not valid YAML or JSON; fix its syntax or unset "
                            f"{env_name}.") from None
