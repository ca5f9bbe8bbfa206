"""Insights: the documentation gaps real questions reveal, plus cache hit rates and provider breaker states."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import frame, show_error, when
from src.rag.insights import LOW_SCORE, Insights, compute_insights


def gaps(data: Insights) -> None:
    """Render the thumbs-down and weak-retrieval questions."""
    st.subheader("Answers marked unhelpful")
    if data.thumbs_down:
        st.dataframe([{"Question": f.question, "Comment": f.comment, "Top source": f.top_source,
                       "Asked": when(f.asked_at)} for f in data.thumbs_down], hide_index=True)
    else:
        st.caption("No thumbs-down yet.")
    st.subheader("Questions retrieval could not answer well")
    st.caption(f"No source, or the best source scored below {LOW_SCORE:.2f}: the specs may lack this topic.")
    if data.weak:
        st.dataframe([{"Question": w.question, "Best score": round(w.best_score, 3), "Asked": when(w.asked_at)}
                      for w in data.weak], hide_index=True)
    else:
        st.caption("Every question found a good source.")


def topics(data: Insights) -> None:
    """Render what people ask about: top endpoints and words."""
    st.subheader("Most-asked topics")
    left, right = st.columns(2)
    with left:
        st.caption("Endpoints answers were built on")
        if data.endpoints:
            st.dataframe([{"Topic": t.label, "Questions": t.count} for t in data.endpoints], hide_index=True)
        else:
            st.caption("No answers yet.")
    with right:
        st.caption("Words in questions")
        if data.terms:
            # A table with bars, not a chart: a chart loads Altair here and Vega in the browser on every visit.
            most = max(t.count for t in data.terms)
            st.dataframe([{"Word": t.label, "Questions": t.count} for t in data.terms], hide_index=True,
                         column_config={"Questions": st.column_config.ProgressColumn(
                             "Questions", min_value=0, max_value=most, format="%d")})
        else:
            st.caption("No questions yet.")


def coverage(data: Insights) -> None:
    """Render per-API coverage: operations no answer has ever used."""
    st.subheader("Coverage")
    st.caption("Operations never retrieved are documentation nobody reaches: check their summaries and descriptions.")
    if not data.coverage:
        st.caption("No APIs in the library.")
        return
    st.dataframe([{"API": c.api, "Operations": c.operations, "Retrieved": c.retrieved, "Coverage": c.ratio}
                  for c in data.coverage], hide_index=True, column_config={
        "Coverage": st.column_config.ProgressColumn("Coverage", min_value=0.0, max_value=1.0, format="percent")})
    for c in data.coverage:
        if c.never_retrieved:
            # Drawn once opened: a large API lists hundreds of operations here.
            box = st.expander(f"{c.api}: {len(c.never_retrieved)} operations never retrieved",
                              key=f"never_retrieved_{c.api}", on_change="rerun")
            if box.open:
                with box:
                    st.dataframe([{"Operation": k} for k in c.never_retrieved[:500]], hide_index=True)


def runtime() -> None:
    """Render cache hit rates and each provider's circuit breaker."""
    helper = state.assistant()
    stats = helper.stats()
    st.subheader("Caches")
    cols = st.columns(2)
    for col, (name, key) in zip(cols, (("Answer cache", "answer_cache"), ("Embedding cache", "embedding_cache"))):
        c = stats.get(key, {})
        col.metric(name, f"{c.get('hit_rate', 0.0):.0%} hits",
                   help=f"{c.get('hits', 0)} hits, {c.get('misses', 0)} misses, {c.get('entries', 0)} entries")
    st.subheader("Providers")
    try:
        providers = helper.health()["providers"]
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "reading provider health")
        return
    st.dataframe([{k: v for k, v in p.items() if not isinstance(v, (dict, list))} for p in providers], hide_index=True)


def page() -> None:
    """Render the insights page."""
    frame()
    st.title("Insights")
    helper = state.assistant()
    try:
        asked = state.conversations().asked_questions()
        data = compute_insights(asked, [a.api for a in helper.list_apis()], helper.get_spec)
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "computing insights")
        return
    cols = st.columns(4)
    cols[0].metric("Questions", data.questions)
    cols[1].metric("Answered", data.answered)
    cols[2].metric("Thumbs up", data.thumbs_up)
    cols[3].metric("Thumbs down", len(data.thumbs_down))
    gaps(data)
    topics(data)
    coverage(data)
    runtime()


page()
