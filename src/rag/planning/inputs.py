"""Where one input of a planned call gets its value: an earlier step's response, the question, or the user."""

from __future__ import annotations

import re
from collections.abc import Sequence

from src.rag.planning.given import GivenValue, id_prefix_fits
from src.rag.planning.graph import MIN_SCORE, DataFlowGraph, FlowInput, link_score
from src.rag.planning.names import words
from src.rag.planning.plan import PlanInput, PlanStep, concrete_field

_KIND_FITS = {"email": {"email", "user", "member", "customer"}, "phone": {"phone", "number", "to", "from"},
              "channel": {"channel"}, "domain": {"domain", "name", "host"}, "date": {"date", "time", "at"},
              "url": {"url", "uri", "link"}}


def from_steps(graph: DataFlowGraph, key: str, inp: FlowInput, steps: Sequence[PlanStep]) -> PlanInput | None:
    """Take the input from the latest earlier step whose response carries it."""
    links = {link.producer: link for link in graph.producers(key, inp.name)}
    for n in range(len(steps), 0, -1):
        step = steps[n - 1]
        if step.api != graph.api:
            continue
        link = links.get(step.key)
        field = link.field if link else _best_output(graph, step.key, inp)
        if field:
            return PlanInput(inp.name, "step", n, concrete_field(field), location=inp.location)
    return None


def _best_output(graph: DataFlowGraph, producer: str, inp: FlowInput) -> str:
    node = graph.operations.get(producer)
    if node is None or not inp.resource:
        return ""
    scored = [(link_score(inp, out, producer), out.field) for out in node.outputs]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] >= MIN_SCORE else ""


def from_question(inp: FlowInput, values: Sequence[GivenValue]) -> PlanInput | None:
    """Take the input from a value the user typed that names the same resource."""
    names = set(inp.resource) | set(words(inp.name))
    for value in values:
        if fits(value, inp, names):
            typed = value.value
            if value.kind == "number" and not re.match(r"^(integer|number)", inp.type or "", re.IGNORECASE):
                typed = str(typed)
            return PlanInput(inp.name, "question", value=typed, location=inp.location)
    return None


def fits(value: GivenValue, inp: FlowInput, names: set[str]) -> bool:
    """Tell whether a typed value is meant for an input: its neighbouring noun, id prefix or kind says so."""
    nouns = set(value.nouns)
    if value.kind in {"quoted", "email", "phone", "date", "url"} and inp.attribute in {"id", "sid", "uuid"} \
            and inp.location == "path":
        return False  # a display name or an address is not an identifier; it is looked up or sent as a field
    if value.kind == "id":
        return id_prefix_fits(str(value.value), inp.resource) or bool(nouns & set(inp.resource[-1:]))
    if value.kind in _KIND_FITS:
        return bool(_KIND_FITS[value.kind] & names) and (value.kind != "phone" or inp.location != "path")
    if value.kind == "number":
        return bool(set(value.before[-1:]) & names) and inp.attribute in {"id", "number"} or \
            bool(set(value.before[-2:]) & set(words(inp.name))) and bool(re.match(r"^(integer|number)", inp.type or ""))
    if value.kind == "quoted" and inp.attribute == "name" and not inp.resource:
        return True  # "create a playlist called 'Road trip'": the name of the thing being made
    return bool(nouns & set(inp.resource[-1:])) or (value.kind == "quoted" and bool(nouns & names))


def from_user(inp: FlowInput) -> PlanInput:
    """Leave the input to the user, with a placeholder that names it."""
    return PlanInput(inp.name, "user", value=f"<{inp.name}>", location=inp.location)
