"""The planner: goal operations from the ranked hits, then producers for the inputs the question leaves open."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from src.core.logging import get_logger
from src.rag.planning.actions import split_actions
from src.rag.planning.given import GivenValue, given_values
from src.rag.planning.graph import DataFlowGraph, FlowInput, Link
from src.rag.planning.inputs import from_question, from_steps, from_user
from src.rag.planning.names import is_id_like, resource_of_path
from src.rag.planning.plan import PlanStep
from src.rag.textutil import tokenize
from src.rag.types import ApiSpec, ChunkKind, Hit, Operation

log = get_logger(__name__)

MAX_DEPTH = 4
MAX_STEPS = 6
# The user says they lack an identifier, or asks for every/each item: the value must be looked up first.
_LOOKUP = re.compile(r"\b(don'?t|do not|doesn'?t|dont) (know|have)\b|\bnot (its|the|their) (id|sid)\b|"
                     r"\bonly (have|know)\b|\bwithout (the|its|an?) (id|sid)\b|\bevery\b|\ball (of )?(the|my|their)\b|"
                     r"\bwhose\b|\bby (name|email|number|username)\b", re.IGNORECASE)


@dataclass
class PlanContext:
    """What the planner reads: the question's values and terms, the ranked hits, and the API in play."""

    question: str
    values: list[GivenValue]
    terms: set[str]
    ranked: list[str]
    lookup: bool
    graph: DataFlowGraph
    spec: ApiSpec


class Planner:
    """Build a plan for a question from the ranker's order and the API's data-flow graph."""

    def __init__(self, search: Callable[[str, str], list[Hit]], graph_of: Callable[[str], DataFlowGraph],
                 spec_of: Callable[[str], ApiSpec]) -> None:
        self.search = search
        self.graph_of = graph_of
        self.spec_of = spec_of

    def plan(self, question: str, hits: Sequence[Hit]) -> tuple[PlanStep, ...]:
        """Return the ordered calls that answer the question (one step for a one-call question; empty if none fits)."""
        ops = [h for h in hits if h.kind == ChunkKind.OPERATION and h.method and h.path]
        if not ops:
            return ()
        api = ops[0].api
        try:
            ctx = PlanContext(question, given_values(question), set(tokenize(question)),
                              [_key(h) for h in ops if h.api == api], bool(_LOOKUP.search(question)),
                              self.graph_of(api), self.spec_of(api))
        except Exception as exc:  # a plan is an addition to the answer; its absence must not break the answer
            log.warning("plan.unavailable", api=api, error=type(exc).__name__)
            return ()
        steps: list[PlanStep] = []
        for goal in self.goals(question, ops, api):
            op = ctx.spec.operation(goal)
            if op is not None and all(s.key != goal for s in steps):
                self._add(op, ctx, steps, 0, goal=True)
        return tuple(steps[:MAX_STEPS])

    def goals(self, question: str, ops: Sequence[Hit], api: str) -> list[str]:
        """Return the goal operations in the order asked: the top hit, or the top hit of each action."""
        actions = split_actions(question)
        if len(actions) < 2:
            return [_key(ops[0])]
        goals: list[str] = []
        for action in actions:
            found = [_key(h) for h in self.search(action, api) if h.kind == ChunkKind.OPERATION and h.method]
            fresh = next((k for k in found if k not in goals), None)
            if fresh:
                goals.append(fresh)
        return goals or [_key(ops[0])]

    def _add(self, op: Operation, ctx: PlanContext, steps: list[PlanStep], depth: int, goal: bool) -> None:
        node = ctx.graph.operations.get(op.key)
        inputs = []
        for inp in node.inputs if node else ():
            found = from_question(inp, ctx.values) or from_steps(ctx.graph, op.key, inp, steps)
            if found is None and depth < MAX_DEPTH and self._needs_lookup(inp, ctx):
                producer = self._producer(op.key, inp, ctx, steps)
                if producer is not None:
                    self._add(producer, ctx, steps, depth + 1, goal=False)
                    found = from_steps(ctx.graph, op.key, inp, steps)
            inputs.append(found or from_user(inp))
        steps.append(PlanStep(ctx.graph.api, op.method, op.path, op.pointer, tuple(inputs), op.summary, goal))

    @staticmethod
    def _needs_lookup(inp: FlowInput, ctx: PlanContext) -> bool:
        """Look an input up only when the user says they lack it and names its resource."""
        named = bool(inp.resource) and inp.resource[-1] in ctx.terms
        return ctx.lookup and named and (is_id_like(inp.attribute) or inp.attribute == "name")

    def _producer(self, key: str, inp: FlowInput, ctx: PlanContext, steps: list[PlanStep]) -> Operation | None:
        """Pick the producer the question makes likeliest: graph score, question words, ranker order, lookups first."""
        taken = {s.key for s in steps} | {key}
        links = [link for link in ctx.graph.producers(key, inp.name) if link.producer not in taken]
        if not links:
            return None
        best = max(links, key=lambda link: _relevance(link, ctx))
        return ctx.spec.operation(best.producer)


def _relevance(link: Link, ctx: PlanContext) -> float:
    method, path = link.producer.split(" ", 1)
    node = ctx.graph.operations.get(link.producer)
    words = set(tokenize(f"{node.summary if node else ''} {path}"))
    score = link.score + 0.5 * len(words & ctx.terms)
    if link.producer in ctx.ranked:
        score += 2.0 - 0.1 * ctx.ranked.index(link.producer)
    if method == "GET":
        score += 1.5 + (0.5 if "[]" in link.field else 0.0)  # a lookup reads what exists
    if path.rstrip("/").endswith("}"):
        score -= 1.0  # reading one item needs its id already
    return score - 0.05 * len(resource_of_path(path))


def _key(hit: Hit) -> str:
    return f"{(hit.method or '').upper()} {hit.path}"
