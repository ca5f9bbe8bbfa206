"""Short Markdown renderings of MCP tool results (the JSON travels beside them)."""

from __future__ import annotations

from typing import Any

from src.rag.operations import operation_markdown

operation = operation_markdown


def apis(rows: list[dict[str, Any]]) -> str:
    """Render the library as one line per API."""
    if not rows:
        return "The library is empty: upload a spec first (`apiassist index FILE` or POST /api/v1/apis)."
    return "\n".join(f"- `{r['api']}`: {r['title']} {r['version']} ({r['format']}, {r['operations']} operations)"
                     for r in rows)


def hits(query: str, rows: list[dict[str, Any]]) -> str:
    """Render search hits as one line each, best first."""
    if not rows:
        return f"Nothing in the library matches {query!r}; try other words or list_apis."
    lines = []
    for n, h in enumerate(rows, start=1):
        where = f"{h['method']} {h['path']}" if h.get("method") else h["title"]
        lines.append(f"{n}. `{where}` in `{h['api']}` ({h['kind']}, pointer `{h['source']}`, score {h['score']:.2f})")
    return "\n".join(lines)


def samples(rows: list[dict[str, Any]]) -> str:
    """Render code samples as fenced blocks."""
    fence = {"curl": "bash"}
    return "\n\n".join(f"**{s['label'] or s['language']}**\n```{fence.get(s['language'], s['language'])}\n"
                       f"{s['code'].rstrip()}\n```" for s in rows)


def plan(data: dict[str, Any]) -> str:
    """Render a plan as numbered calls."""
    steps = data["steps"]
    if not steps:
        return f"No endpoint in the library fits {data['task']!r}."
    return f"Plan for: {data['task']}\n\n" + "\n".join(
        f"{s['step']}. `{s['method']} {s['path']}` in `{s['api']}` (pointer `{s['pointer']}`)" for s in steps)


def answer(data: dict[str, Any]) -> str:
    """Render an answer: its text and its sources."""
    sources = "\n".join(f"- `{s['method']} {s['path']}` in `{s['api']}` (`{s['pointer']}`)" if s.get("method")
                        else f"- {s['title']} in `{s['api']}` (`{s['pointer']}`)" for s in data["sources"])
    notes = f"\n\n> {data['degraded_reason']}" if data.get("degraded") and data.get("degraded_reason") else ""
    return data["answer"].strip() + (f"\n\nSources:\n{sources}" if sources else "") + notes
