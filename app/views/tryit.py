"""Try it: edit an operation's request and send it to the built-in mock or live to the spec's servers."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import show_error
from app.views.safe import plain
from src.core.errors import AppError
from src.rag.tryit import RequestDraft, TryResponse, draft_request, mock_response, send_live
from src.rag.types import ApiSpec, Operation

MOCK, LIVE = "Mock", "Live"


def try_it(spec: ApiSpec, op: Operation, key: str) -> None:
    """Render the Try-it console for one operation; `key` keeps several consoles on one page apart."""
    draft = draft_request(spec, op)
    mode = st.segmented_control("Send to", [MOCK, LIVE], default=MOCK, key=f"{key}_mode",
                                help="Mock answers from the spec without sending anything; Live calls the "
                                     "API's own server with your token.") or MOCK
    if mode == LIVE and not draft.servers:
        st.info("The spec declares no server URL, so only mock mode is available.", icon=":material/info:")
        mode = MOCK
    _edit(draft, key, live=mode == LIVE)
    token = _token_input(spec) if mode == LIVE else ""
    st.code(f"{draft.method} {draft.url()}", language=None)
    if st.button("Send request", key=f"{key}_send", icon=":material/send:", type="primary"):
        st.session_state[f"{key}_result"] = _send(spec, op, draft, token, mode)
    result = st.session_state.get(f"{key}_result")
    if isinstance(result, TryResponse):
        show_response(result)
    elif isinstance(result, str):
        st.error(plain(result), icon=":material/block:")


def _edit(draft: RequestDraft, key: str, *, live: bool) -> None:
    if live and len(draft.servers) > 1:
        draft.server = st.selectbox("Server", draft.servers, key=f"{key}_server")
    fields = [("path", name, value) for name, value in draft.path_values.items()]
    fields += [("query", name, value) for name, value in draft.query.items()]
    if fields:
        cols = st.columns(min(len(fields), 3))
        for i, (where, name, value) in enumerate(fields):
            typed = cols[i % len(cols)].text_input(f"{name} ({where})", value=value, key=f"{key}_{where}_{name}")
            (draft.path_values if where == "path" else draft.query)[name] = typed
    if draft.body:
        draft.body = st.text_area(f"Body ({plain(draft.content_type)})", value=draft.body, key=f"{key}_body",
                                  height=160)


def _token_input(spec: ApiSpec) -> str:
    # Kept in this browser session's state only: never saved, logged or put in a URL.
    return st.text_input("Token or API key", type="password", key=f"tryit_token_{spec.api_id}",
                         help="Used for this session only; never stored or logged.", autocomplete="off")


def _send(spec: ApiSpec, op: Operation, draft: RequestDraft, token: str, mode: str) -> TryResponse | str:
    if mode == MOCK:
        try:
            document = state.spec_document(spec.api_id)
        except Exception:  # without the raw file the mock still answers from the parsed fields
            document = None
        return mock_response(op, document=document)
    settings = state.settings()
    try:
        return send_live(draft, token, allow_private=settings.tryit_allow_private, timeout_s=settings.tryit_timeout_s)
    except AppError as err:  # a refused or failed request is one sentence, shown where the answer would be
        return str(err)
    except Exception as err:  # never a traceback
        show_error(err, "sending the request")
        return "The request failed unexpectedly; check the server log."


def show_response(resp: TryResponse) -> None:
    """Show status, time, headers and the pretty-printed body of a response."""
    colour = "green" if resp.status < 300 else "orange" if resp.status < 400 else "red"
    origin = "mock, composed from the spec" if resp.mocked else "live"
    st.markdown(f":{colour}-badge[{resp.status} {plain(resp.reason)}] · {resp.elapsed_ms:.0f} ms · {origin}")
    with st.expander(f"Headers ({len(resp.headers)})"):
        st.dataframe([{"Header": k, "Value": v} for k, v in resp.headers], hide_index=True)
    if resp.body:
        st.code(resp.pretty_body, language="json" if resp.is_json else None, wrap_lines=True)
    else:
        st.caption("Empty body.")
