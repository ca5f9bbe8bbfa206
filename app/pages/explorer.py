"""Explorer: pick an API, search or browse its operations by tag, and read one operation in full."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import api_label, frame, show_error
from app.views.operation import render_operation
from src.rag.retrieval import SearchFilters
from src.rag.types import ApiSpec, ChunkKind, Operation

ALL_TAGS = "All tags"


def matching(api: str, spec: ApiSpec, query: str, tag: str) -> list[Operation]:
    """Return operations in the tag whose key, summary, id or tags contain the query, then semantic matches."""
    ops = [o for o in spec.operations if tag == ALL_TAGS or tag in o.tags]
    q = query.strip().lower()
    if not q:
        return ops
    direct = [o for o in ops if q in f"{o.key} {o.summary} {o.operation_id} {' '.join(o.tags)}".lower()]
    hits = state.assistant().search(
        query, top_k=20, filters=SearchFilters(apis=(api,), kinds=(ChunkKind.OPERATION, ChunkKind.WEBHOOK)))
    allowed = {o.key for o in ops}
    related = [spec.operation(f"{h.method} {h.path}") for h in hits if h.method and h.path]
    seen = {o.key for o in direct}
    extra = [o for o in related if o is not None and o.key in allowed and o.key not in seen and not seen.add(o.key)]
    return direct + extra


def _op_label(op: Operation) -> str:
    summary = " ".join(op.summary.split())
    return f"{op.key} — {summary[:90]}" if summary else op.key


def page() -> None:
    """Render the explorer page."""
    frame()
    st.title("Explorer")
    helper = state.assistant()
    apis = helper.list_apis()
    if not apis:
        st.info("Nothing to explore yet: upload a spec from the Chat page sidebar.")
        return
    labels = {a.api: api_label(a) for a in apis}
    linked = str(st.query_params.get("api", ""))
    if linked in labels and st.session_state.get("explorer_linked") != linked:
        st.session_state["explorer_api"] = linked  # opened from a link such as the Library's "Explore"
        st.session_state["explorer_linked"] = linked
    api = st.selectbox("API", options=list(labels), format_func=labels.get, key="explorer_api")
    try:
        spec = helper.get_spec(api)
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "opening the API")
        return
    tags = sorted({t for o in spec.operations for t in o.tags}, key=str.lower)
    left, right = st.columns([3, 2])
    query = left.text_input("Search operations", key="explorer_query", placeholder="e.g. refund a charge")
    tag = right.selectbox("Tag", options=[ALL_TAGS, *tags], key="explorer_tag")
    try:
        ops = matching(api, spec, query, tag)
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "searching the operations")
        return
    if not ops:
        st.info("No operation matches; try other words or another tag.")
        return
    st.caption(f"{len(ops)} of {len(spec.operations)} operations")
    by_key = {o.key: o for o in ops}
    chosen = st.selectbox("Operation", options=list(by_key), format_func=lambda k: _op_label(by_key[k]),
                          key=f"explorer_op_{api}_{tag}_{query.strip().lower()}")  # a new search shows its top hit
    render_operation(spec, by_key[chosen], flow=helper.dataflow(api))


page()
