"""Explorer: pick an API, search or browse its operations by tag, read one in full, browse its schemas.

`?api=<id>&op=<METHOD /path>` opens one operation directly (a deep link), `?schema=<name>` one schema.
"""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import api_label, frame, show_error
from app.views.operation import render_operation, render_schema
from src.rag.retrieval import SearchFilters
from src.rag.types import ApiSpec, ChunkKind, Operation

ALL_TAGS = "All tags"
MAX_RELATED = 10
# A semantic match is shown only when it scores this close to the best one: no padding with loose matches.
RELATIVE_SCORE = 0.6


def matching(api: str, spec: ApiSpec, query: str, tag: str) -> list[Operation]:
    """Return the tag's operations that contain the query's words, then close semantic matches only."""
    ops = [o for o in spec.operations if tag == ALL_TAGS or tag in o.tags]
    q = query.strip().lower()
    if not q:
        return ops
    words = q.split()
    direct = [o for o in ops if all(w in f"{o.key} {o.summary} {o.operation_id} {' '.join(o.tags)}".lower()
                                    for w in words)]
    hits = state.assistant().search(
        query, top_k=20, filters=SearchFilters(apis=(api,), kinds=(ChunkKind.OPERATION, ChunkKind.WEBHOOK)))
    best = max((h.score for h in hits), default=0.0)
    allowed = {o.key for o in ops}
    seen = {o.key for o in direct}
    related = []
    for h in hits:
        op = spec.operation(f"{h.method} {h.path}") if h.method and h.path else None
        if op is None or op.key not in allowed or op.key in seen or h.score < RELATIVE_SCORE * best:
            continue
        seen.add(op.key)
        related.append(op)
    return direct + related[:MAX_RELATED]


def _op_label(op: Operation) -> str:
    summary = " ".join(op.summary.split())
    return f"{op.key} — {summary[:90]}" if summary else op.key


def _pick_api(apis) -> str:
    labels = {a.api: api_label(a) for a in apis}
    options = list(labels)
    linked = str(st.query_params.get("api", ""))
    # The link picks the starting choice (index, not session state, so the browser shows the same one).
    start = options.index(linked) if linked in labels else 0
    api = st.selectbox("API", options=options, index=start, format_func=labels.get, key="explorer_api")
    if st.query_params.get("api") != api:
        st.query_params["api"] = api  # the URL always names what is shown, so it can be shared
    return api


def operations_view(api: str, spec: ApiSpec) -> None:
    """Search, filter and show one operation; the chosen one is kept in the URL as a deep link."""
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
    box = f"explorer_op_{api}_{tag}_{query.strip().lower()}"  # a new search shows its top hit
    options = list(by_key)
    linked = str(st.query_params.get("op", ""))
    # A link from elsewhere picks the start; our own URL updates never override a new search's top hit.
    external = linked in by_key and linked != st.session_state.get("explorer_op_shown")
    chosen = st.selectbox("Operation", options=options, index=options.index(linked) if external else 0,
                          format_func=lambda k: _op_label(by_key[k]), key=box)
    st.query_params["op"] = chosen
    st.session_state["explorer_op_shown"] = chosen
    render_operation(spec, by_key[chosen], flow=state.assistant().dataflow(api))


def schemas_view(spec: ApiSpec) -> None:
    """Browse the API's named schemas: filter by name, then one schema's fields."""
    if not spec.schemas:
        st.caption("This API declares no named schemas.")
        return
    needle = st.text_input("Filter schemas", key="explorer_schema_query", placeholder="e.g. Customer")
    names = [s.name for s in spec.schemas if needle.strip().lower() in s.name.lower()]
    if not names:
        st.info("No schema name contains that; try a shorter filter.")
        return
    linked = str(st.query_params.get("schema", ""))
    if linked in names and "explorer_schema" not in st.session_state:
        st.session_state["explorer_schema"] = linked
    name = st.selectbox(f"Schema ({len(names)} of {len(spec.schemas)})", names, key="explorer_schema")
    render_schema(next(s for s in spec.schemas if s.name == name))


def page() -> None:
    """Render the explorer page."""
    frame()
    st.title("Explorer")
    helper = state.assistant()
    apis = state.apis()
    if not apis:
        st.info("Nothing to explore yet: upload a spec from the Chat page.")
        return
    api = _pick_api(apis)
    try:
        spec = helper.get_spec(api)
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "opening the API")
        return
    view = st.segmented_control("View", ["Operations", "Schemas"], default="Operations", key="explorer_view",
                                label_visibility="collapsed", required=True)
    if view == "Schemas":
        schemas_view(spec)
    else:
        operations_view(api, spec)


page()
