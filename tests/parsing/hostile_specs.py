"""Generators of the hostile specs the bounds are tested and benchmarked with (never committed as files)."""

from __future__ import annotations


def yaml_bomb(last_level: int = 10) -> str:
    """An 11 KB alias bomb: a 10,000-character string behind two levels of 100 aliases, used `last_level` times."""
    l1 = "[" + ", ".join(["*s"] * 100) + "]"
    l2 = "[" + ", ".join(["*l1"] * 100) + "]"
    example = "[" + ", ".join(["*l2"] * last_level) + "]"
    return f"""openapi: 3.0.0
info: {{title: Bomb, version: '1'}}
x-defs: {{s: &s "{'A' * 10_000}", l1: &l1 {l1}, l2: &l2 {l2}}}
paths:
  /things:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                items: {{type: array, example: {example}}}
      responses: {{'200': {{description: ok}}}}
"""


def many_operations_spec(count: int) -> bytes:
    """A minimal OpenAPI document with `count` GET operations (about 22 bytes each)."""
    paths = ",".join(f'"/o{i}":{{"get":{{}}}}' for i in range(count))
    return ('{"openapi":"3.0.0","info":{"title":"Many","version":"1"},"paths":{' + paths + "}}").encode()
