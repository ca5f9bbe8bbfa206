"""One answer under the chat: notices, sources, code tabs, usage, and thumbs up/down with a comment."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import streamlit as st

from app import state
from app.views.code_tabs import render_code
from app.views.safe import plain, safe_stream, show_markdown
from src.rag.generation.events import Final, GenerationEvent, Progress, TextDelta
from src.rag.generation.plan_sections import plan_rows
from src.rag.transcript import usage_summary
from src.rag.types import Answer, Hit


def answer_stream(events: Iterable[GenerationEvent], holder: dict[str, Answer],
                  on_progress: Callable[[str], object] | None = None) -> Iterator[str]:
    """Turn service events into safe text pieces for `st.write_stream`; the final answer lands in `holder`.

    ``on_progress`` receives what the answer waits for (e.g. "model is reading 2,771 prompt tokens…").
    """
    return safe_stream(_text_deltas(events, holder, on_progress))


def _text_deltas(events: Iterable[GenerationEvent], holder: dict[str, Answer],
                 on_progress: Callable[[str], object] | None) -> Iterator[str]:
    for event in events:
        if isinstance(event, TextDelta) and event.text:
            yield event.text
        elif isinstance(event, Progress) and on_progress is not None:
            on_progress(event.message)
        elif isinstance(event, Final):
            holder["answer"] = event.answer


def render_answer(answer: Answer, message_id: int, feedback: Any = None, *, show_text: bool = True) -> None:
    """Render a stored or just-streamed answer with everything that belongs under it."""
    if show_text:
        show_markdown(answer.text)
    render_notices(answer)
    render_plan(answer)
    render_sources(answer.sources, key=f"sources_{message_id}")
    render_code(answer.code, key=f"code_{message_id}")
    render_try_it(answer, message_id)
    render_usage(answer)
    render_feedback(message_id, feedback)


def render_notices(answer: Answer) -> None:
    """Warn about endpoints the specs do not contain and say when the answer is degraded."""
    if answer.unverified:
        names = ", ".join(f"`{u.replace('`', '')}`" for u in answer.unverified)
        st.warning(f"Not found in the indexed specs, check before using: {names}", icon=":material/search_off:")
    if answer.degraded:
        reason = answer.degraded_reason or "The language model was unavailable; this answer was composed offline."
        st.caption(f":material/info: {plain(reason)}")


def render_plan(answer: Answer) -> None:
    """Show a plan of several calls as numbered steps, each saying what it takes from the one before."""
    if len(answer.plan) > 1:
        with st.expander(f"Plan ({len(answer.plan)} calls)", icon=":material/account_tree:", expanded=True):
            st.dataframe(plan_rows(answer.plan), hide_index=True)


def render_sources(sources: Iterable[Hit], key: str) -> None:
    """Show the sources as a table (API, method, path, JSON pointer, relevance), drawn once opened."""
    # What a reader checks first comes first, so a narrow screen shows it without scrolling.
    rows = [{"Method": h.method or "", "Path": h.path or h.title, "Pointer": h.source, "API": h.api,
             "Relevance": round(max(0.0, min(1.0, h.score)), 3)} for h in sources]
    if not rows:
        return
    # A closed table is not sent at all: every answer of a conversation carries one, and each costs the
    # browser a data grid to build before the page is usable.
    box = st.expander(f"Sources ({len(rows)})", icon=":material/library_books:", key=key, on_change="rerun")
    if not box.open:
        return
    with box:
        st.dataframe(rows, hide_index=True, column_config={
            "Relevance": st.column_config.ProgressColumn("Relevance", min_value=0.0, max_value=1.0, format="%.2f"),
        })


def render_try_it(answer: Answer, message_id: int) -> None:
    """Offer to send the answer's first endpoint, mocked or live, right under the answer."""
    from app.views.tryit import try_it

    first = next((h for h in answer.sources if h.method and h.path), None)
    if first is None:
        return
    try:
        spec = state.assistant().get_spec(first.api)
    except Exception:  # the API was removed since: the stored answer still shows, without Try it
        return
    op = spec.operation(f"{first.method} {first.path}")
    if op is None:
        return
    # Drawn only while open: a long conversation would otherwise build every console on every rerun.
    box = st.expander(f"Try it: {plain(op.key)}", icon=":material/play_arrow:", key=f"tryit_open_{message_id}",
                      on_change="rerun")
    if box.open:
        with box:
            try_it(spec, op, key=f"tryit_{message_id}")


def render_usage(answer: Answer) -> None:
    """Show token usage and estimated cost when a language model wrote the answer."""
    usage = answer.usage
    if answer.provider == "offline" and not usage.prompt_tokens:
        st.caption("Composed offline from your specs" + (" · from cache" if answer.cached else ""))
        return
    parts = [plain(answer.provider), usage_summary(usage).replace("$", "\\$")]  # `$` would start LaTeX
    if answer.cached:
        parts.append("from cache")
    st.caption(" · ".join(parts))


def _save_feedback(message_id: int) -> None:
    rating = st.session_state.get(f"fb_{message_id}")
    comment = st.session_state.get(f"fbc_{message_id}", "")
    if rating is None:
        state.conversations().clear_feedback(message_id)
    else:
        state.conversations().set_feedback(message_id, int(rating), comment or "")


def render_feedback(message_id: int, stored: Any = None) -> None:
    """Thumbs up/down on the answer; once rated, an optional comment saved on Enter."""
    default = stored.rating if stored is not None else None
    if stored is not None and f"fbc_{message_id}" not in st.session_state:
        st.session_state[f"fbc_{message_id}"] = stored.comment
    rating = st.feedback("thumbs", key=f"fb_{message_id}", default=default, on_change=_save_feedback,
                         args=(message_id,))
    if rating is not None:
        st.text_input("Comment (optional)", key=f"fbc_{message_id}", on_change=_save_feedback, args=(message_id,),
                      placeholder="What was missing or wrong?", max_chars=2000)
