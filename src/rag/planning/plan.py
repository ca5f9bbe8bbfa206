"""The plan as output: ordered steps, each input saying where its value comes from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlanInput:
    """Where one input of a step gets its value: an earlier step's response field, the question, or the user."""

    name: str
    source: str  # "step" | "question" | "user"
    step: int = 0
    field: str = ""
    value: Any = None
    location: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the ``--json`` view of the input."""
        out: dict[str, Any] = {"from": self.source}
        if self.source == "step":
            out |= {"step": self.step, "field": self.field}
        else:
            out["value"] = self.value
        return out


@dataclass(frozen=True)
class PlanStep:
    """One call of a plan."""

    api: str
    method: str
    path: str
    pointer: str
    inputs: tuple[PlanInput, ...] = ()
    summary: str = ""
    goal: bool = True

    @property
    def key(self) -> str:
        """Return ``METHOD /path``."""
        return f"{self.method} {self.path}"

    def to_json(self) -> dict[str, Any]:
        """Return the ``--json`` view of the step."""
        return {"api": self.api, "method": self.method, "path": self.path, "pointer": self.pointer,
                "inputs": {i.name: i.to_json() for i in self.inputs}}


def concrete_field(field: str) -> str:
    """Turn a graph field path into one that reads a value: ``items[].id`` → ``items[0].id``."""
    return field.replace("[]", "[0]")


def plan_from_jsonable(data: Any) -> tuple[PlanStep, ...]:
    """Rebuild a plan stored as plain JSON (the dataclass form); anything malformed gives an empty plan."""
    try:
        return tuple(PlanStep(s["api"], s["method"], s["path"], s.get("pointer", ""),
                              tuple(PlanInput(**i) for i in s.get("inputs", ())), s.get("summary", ""),
                              bool(s.get("goal", True))) for s in data or ())
    except (TypeError, KeyError):
        return ()
