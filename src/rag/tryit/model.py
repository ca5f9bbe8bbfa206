"""What a Try-it call returns: status, time, headers and a pretty body."""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class TryResponse:
    """One response, mocked or live."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: str
    elapsed_ms: float
    mocked: bool
    url: str = ""

    @property
    def pretty_body(self) -> str:
        """Return the body indented when it is JSON, else as received."""
        try:
            return json.dumps(json.loads(self.body), indent=2, ensure_ascii=False)
        except ValueError:
            return self.body

    @property
    def is_json(self) -> bool:
        """Return whether the body parses as JSON."""
        try:
            json.loads(self.body)
            return True
        except ValueError:
            return False
