"""The plan in an answer: numbered steps saying what each takes from the one before, with code per step."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from src.rag.codegen import DEFAULT_LANGUAGES, chain_samples, generate_samples
from src.rag.codegen.render import LABELS
from src.rag.generation.offline_sections import md_code, md_prose
from src.rag.planning.graph import DataFlowGraph
from src.rag.planning.plan import PlanInput, PlanStep
from src.rag.types import Answer, ApiSpec, CodeSample


def with_plan(answer: Answer, plan: Sequence[PlanStep], spec_of: Callable[[str], ApiSpec]) -> Answer:
    """Attach a plan to an answer; a plan of several calls leads the text and brings code per step plus a chain."""
    plan = tuple(plan)
    if len(plan) < 2:
        return replace(answer, plan=plan)
    specs = {s.api: spec_of(s.api) for s in plan}
    code = plan_code(plan, specs)
    return replace(answer, plan=plan, text=plan_markdown(plan) + "\n\n" + answer.text, code=code)


def plan_markdown(plan: Sequence[PlanStep]) -> str:
    """Render the plan as numbered steps, each naming where its inputs come from."""
    lines = [f"**Plan: {len(plan)} calls, in this order**", ""]
    for n, step in enumerate(plan, start=1):
        summary = md_prose(step.summary, 100)
        lines.append(f"{n}. {md_code(step.key)}" + (f" — {summary}" if summary else "")
                     + f" (source: {md_code(step.pointer)})")
        taken = input_sentence(step.inputs)
        if taken:
            lines.append(f"   {taken}")
    return "\n".join(lines)


def input_sentence(inputs: Sequence[PlanInput]) -> str:
    """Say in one line what a step takes: from an earlier step's response, from the question, from the user."""
    parts = []
    for i in inputs:
        if i.source == "step":
            parts.append(f"{md_code(i.name)} from step {i.step}'s {md_code(i.field)}")
        elif i.source == "question":
            parts.append(f"{md_code(i.name)} = {md_code(i.value)} (from your question)")
    mine = [md_code(i.name) for i in inputs if i.source == "user"]
    if mine:
        parts.append("you supply " + ", ".join(mine))
    return ("Takes " + "; ".join(parts) + ".") if parts else ""


def plan_code(plan: Sequence[PlanStep], specs: dict[str, ApiSpec]) -> tuple[CodeSample, ...]:
    """Return one sample per step and language, then per language the script that chains the steps.

    Every language gets its chain, so the front ends' language choice (``arrange_samples``) applies to it too.
    """
    samples: list[CodeSample] = []
    for n, step in enumerate(plan, start=1):
        spec = specs[step.api]
        op = spec.operation(step.key)
        if op is None:
            continue
        for s in generate_samples(spec, op, DEFAULT_LANGUAGES):
            samples.append(CodeSample(s.language, s.code, f"Step {n}: {s.label or LABELS.get(s.language, s.language)}"))
    return tuple(samples) + chain_samples(plan, specs, DEFAULT_LANGUAGES)


MAX_PRODUCERS_SHOWN = 3


def flow_markdown(graph: DataFlowGraph, key: str) -> str:
    """Say for one operation what it needs and where each value comes from, and which calls its response feeds."""
    node = graph.operations.get(key)
    if node is None:
        return ""
    lines = []
    if node.inputs:
        lines.append("**To call this you need**")
        for inp in node.inputs:
            links = graph.producers(key, inp.name)[:MAX_PRODUCERS_SHOWN]
            source = (", ".join(f"{md_code(link.producer)} → {md_code(link.field)}" for link in links)
                      if links else "no operation returns it: you supply it")
            lines.append(f"- {md_code(inp.name)} ({inp.location}), which comes from {source}")
    else:
        lines.append("**To call this you need** nothing from another call.")
    fed = feeds(graph, key)[:MAX_PRODUCERS_SHOWN * 2]
    if fed:
        lines.append("")
        lines.append("**Its response feeds** " + ", ".join(f"{md_code(name)} of {md_code(op)}" for op, name in fed))
    return "\n".join(lines)


def feeds(graph: DataFlowGraph, key: str) -> list[tuple[str, str]]:
    """Return (operation, input) pairs whose best producer is this operation."""
    return [(consumer, name) for consumer, inputs in graph.links.items() for name, links in inputs.items()
            if links and links[0].producer == key]


def plan_rows(plan: Sequence[PlanStep]) -> list[dict[str, str]]:
    """Return one table row per step: number, call, and what it takes from where."""
    return [{"Step": str(n), "Call": s.key, "Takes": input_sentence(s.inputs).replace("`", "")}
            for n, s in enumerate(plan, start=1)]
