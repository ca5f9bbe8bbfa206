"""The YAML 1.2 fallback loader (ruamel.yaml, pure Python) with the same data rules as the C loader."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor

from src.rag.parsing.loading import construct_mapping, construct_set, construct_str, construct_unknown


class SpecConstructor12(SafeConstructor):
    """ruamel's safe constructor with string keys, string timestamps and unknown tags read as plain data."""


SpecConstructor12.add_constructor("tag:yaml.org,2002:map", construct_mapping)
SpecConstructor12.add_constructor("tag:yaml.org,2002:timestamp", construct_str)
SpecConstructor12.add_constructor("tag:yaml.org,2002:binary", construct_str)
SpecConstructor12.add_constructor("tag:yaml.org,2002:set", construct_set)
SpecConstructor12.add_constructor(None, construct_unknown)
SpecConstructor12.add_multi_constructor("", construct_unknown)


def load_yaml12(text: str) -> Any:
    """Load the first document of a YAML stream; aliases stay shared objects, as with the C loader.

    Raises:
        ruamel.yaml.YAMLError: the text is not YAML 1.2 either.
    """
    loader = YAML(typ="safe", pure=True)
    loader.Constructor = SpecConstructor12
    loader.allow_duplicate_keys = True
    return next(iter(loader.load_all(text)), None)
