"""One operation in the Explorer: parameters, request and response schemas as tables, auth, pointer, code."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from app.views.code_tabs import render_code
from app.views.common import show_error
from app.views.safe import plain, show_markdown
from app.views.tryit import try_it
from src.rag.generation.plan_sections import flow_markdown
from src.rag.planning.graph import DataFlowGraph
from src.rag.textutil import plain as plain_words
from src.rag.types import ApiSpec, Operation, SchemaDef, SchemaField


OPERATION_TABS = ["Parameters", "Request body", "Responses", "Auth", "Code", "Try it"]


def cell_text(text: str) -> str:
    """Return spec prose as a table cell shows it: plain words, no Markdown links, escapes or emphasis."""
    return plain_words(text).replace("**", "").replace("__", "").replace("`", "")


def _value(v: Any) -> str:
    """Show a default/example value compactly as text."""
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)[:200]


def parameter_rows(op: Operation) -> list[dict[str, Any]]:
    """Return one table row per parameter."""
    return [{"Name": p.name, "In": p.location, "Type": p.type, "Required": p.required,
             "Description": cell_text(p.description), "Allowed": ", ".join(p.enum),
             "Default": _value(p.default), "Example": _value(p.example),
             "Deprecated": p.deprecated} for p in op.parameters]


def field_rows(fields: tuple[SchemaField, ...]) -> list[dict[str, Any]]:
    """Return one table row per (dotted) schema field."""
    return [{"Field": f.name, "Type": f.type, "Required": f.required,
             "Description": cell_text(f.description), "Allowed": ", ".join(f.enum),
             "Example": _value(f.example if f.example is not None else f.default)} for f in fields]


def auth_rows(spec: ApiSpec, op: Operation) -> list[dict[str, Any]]:
    """Return the auth schemes this operation accepts (the parser already applied the API's default)."""
    rows = []
    for name in op.security:
        scheme = spec.auth_scheme(name)
        if scheme is None:
            rows.append({"Scheme": name, "Type": "", "Where": "", "Description": ""})
            continue
        where = " ".join(x for x in (scheme.location, scheme.param_name, scheme.scheme) if x)
        rows.append({"Scheme": scheme.name, "Type": scheme.type, "Where": where,
                     "Description": cell_text(scheme.description)})
    return rows


def _table(rows: list[dict[str, Any]], empty: str) -> None:
    if rows:
        st.dataframe(rows, hide_index=True)
    else:
        st.caption(empty)


def render_operation(spec: ApiSpec, op: Operation, flow: DataFlowGraph | None = None) -> None:
    """Render everything about one operation (with ``flow``, where its inputs come from)."""
    st.subheader(f"`{op.key.replace('`', '')}`")
    if op.summary:
        st.markdown(f"**{plain(op.summary)}**")
    if op.deprecated:
        st.warning("This operation is deprecated.")
    if op.description and " ".join(op.description.split()) != " ".join(op.summary.split()):
        show_markdown(op.description)
    st.caption("Source pointer")
    st.code(op.pointer or "(none)", language=None)
    if flow is not None and flow_markdown(flow, op.key):
        with st.expander("Data flow", icon=":material/account_tree:"):
            st.markdown(flow_markdown(flow, op.key))
    # Only the open tab is drawn: all six at once cost the browser several data grids and a code block per
    # language before the page could be used.
    drawers = (lambda: _table(parameter_rows(op), "No parameters."), lambda: _request_body(op),
               lambda: _responses(op), lambda: _table(auth_rows(spec, op), "No authentication declared."),
               lambda: _code(spec, op), lambda: try_it(spec, op, key=f"tryit_op_{op.key}"))
    for tab, draw in zip(st.tabs(OPERATION_TABS, key=f"op_tabs_{op.key}", on_change="rerun"), drawers):
        if tab.open:
            with tab:
                draw()


def _request_body(op: Operation) -> None:
    body = op.request_body
    if body is None:
        st.caption("No request body.")
        return
    required = "required" if body.required else "optional"
    schema = f" · schema {plain(body.schema_name)}" if body.schema_name else ""
    st.caption(f"{plain(body.content_type)} · {required}{schema}")
    _table(field_rows(body.fields), "The body has no documented fields.")


def _responses(op: Operation) -> None:
    for resp in op.responses:
        label = f"{resp.status} {cell_text(resp.description)[:80]}"
        with st.expander(plain(label), expanded=resp.status.startswith("2")):
            if resp.content_type:
                st.caption(plain(resp.content_type) + (f" · schema {plain(resp.schema_name)}" if resp.schema_name else ""))
            _table(field_rows(resp.fields), "No documented fields.")
    if not op.responses:
        st.caption("No documented responses.")


def render_schema(schema: SchemaDef) -> None:
    """Render one named schema: its description, pointer, alternatives or allowed values, and its fields."""
    st.subheader(f"`{schema.name.replace('`', '')}`")
    st.caption(plain(schema.type) + (f" · {plain(schema.pointer)}" if schema.pointer else ""))
    if schema.description:
        show_markdown(schema.description)
    if schema.alternatives:
        st.caption("One of: " + ", ".join(plain(a) for a in schema.alternatives))
    if schema.enum:
        st.caption("Allowed values: " + ", ".join(plain(e) for e in schema.enum[:50]))
    _table(field_rows(schema.fields), "No documented fields.")


def _code(spec: ApiSpec, op: Operation) -> None:
    from src.rag.codegen import generate_samples

    try:
        samples = generate_samples(spec, op)
    except Exception as err:  # code samples are optional; say why they are missing
        show_error(err, "building code samples")
        return
    render_code(samples, key=f"op_code_{op.key}", show_all=True)
