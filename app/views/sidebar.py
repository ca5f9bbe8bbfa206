"""Chat sidebar: the library with its answer filter, and the conversation list (new, switch, rename, delete)."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import api_label, when
from app.views.safe import plain
from src.core.errors import NotFound
from src.rag.conversations import Conversation


def library_filter() -> tuple[str, ...]:
    """List the library and return the APIs answers are limited to (empty = all)."""
    apis = state.apis()
    st.subheader("Library")
    if not apis:
        st.caption("No APIs yet: upload a spec above.")
        return ()
    for info in apis:
        st.caption(f"**{plain(info.title)}** {plain(info.version)} · {info.operations} operations")
    labels = {a.api: api_label(a) for a in apis}
    saved = [a for a in state.prefs().get("apis", []) if a in labels]
    if "answer_apis" not in st.session_state:
        st.session_state["answer_apis"] = saved
    chosen = st.multiselect("Answer from", options=list(labels), format_func=labels.get, key="answer_apis",
                            placeholder="All APIs", on_change=_save_filter)
    return tuple(a for a in chosen if a in labels)


def _save_filter() -> None:
    state.save_prefs(apis=list(st.session_state.get("answer_apis", [])))


# --- conversations ---------------------------------------------------------------------------------------
def current_conversation() -> Conversation | None:
    """Return the open conversation: the one chosen in this session, else the one in the URL, else the newest."""
    store, who = state.conversations(), state.owner()
    if st.session_state.get("fresh_conversation"):
        return None
    wanted = st.session_state.get("conversation") or str(st.query_params.get(state.CONVERSATION_PARAM, ""))
    conv = None
    if wanted:
        try:
            conv = store.get(wanted, who)
        except NotFound:
            conv = None
    if conv is None:
        convs = store.list(who)
        conv = convs[0] if convs else None
    select(conv)
    return conv


def select(conv: Conversation | None) -> None:
    """Make a conversation the open one and keep its id in the URL (None = a new, empty conversation)."""
    st.session_state["conversation"] = conv.id if conv else None
    st.session_state["fresh_conversation"] = conv is None
    if conv is None:
        st.query_params.pop(state.CONVERSATION_PARAM, None)
    elif st.query_params.get(state.CONVERSATION_PARAM) != conv.id:
        st.query_params[state.CONVERSATION_PARAM] = conv.id


def _switch(conv_id: str) -> None:
    select(state.conversations().get(conv_id, state.owner()))
    st.session_state.pop("confirm_delete", None)


def conversation_list(current: Conversation | None) -> None:
    """Render the conversation list with new / switch, and rename / delete for the open one."""
    st.subheader("Conversations")
    if st.button("New conversation", icon=":material/add:", key="new_conversation", width="stretch"):
        select(None)
        st.rerun()
    query = st.text_input("Search conversations", key="conversation_query", placeholder="Search titles and messages",
                          label_visibility="collapsed", icon=":material/search:")
    found = state.conversations().search(state.owner(), query)
    if query.strip() and not found:
        st.caption("No conversation mentions that; try other words.")
    for conv in found:
        active = current is not None and conv.id == current.id
        # The date tells apart conversations that share a title.
        st.button(f"{plain(conv.title)} · :gray[{when(conv.updated_at)}]", key=f"conv_{conv.id}",
                  type="primary" if active else "tertiary", on_click=_switch, args=(conv.id,), width="stretch")
    if current is not None:
        _manage(current)


def _manage(conv: Conversation) -> None:
    with st.expander("Rename or delete this conversation"):
        title = st.text_input("Title", value=conv.title, key=f"title_{conv.id}", max_chars=80)
        if st.button("Rename", key=f"rename_{conv.id}"):
            state.conversations().rename(conv.id, title, state.owner())
            st.rerun()
        if st.session_state.get("confirm_delete") != conv.id:
            if st.button("Delete", key=f"delete_{conv.id}", icon=":material/delete:"):
                st.session_state["confirm_delete"] = conv.id
                st.rerun()
            return
        st.warning("Delete this conversation and its feedback for good?")
        left, right = st.columns(2)
        if left.button("Yes, delete", key=f"confirm_{conv.id}", type="primary"):
            state.conversations().delete(conv.id, state.owner())
            st.session_state.pop("confirm_delete", None)
            select(None)
            st.rerun()
        if right.button("Cancel", key=f"cancel_{conv.id}"):
            st.session_state.pop("confirm_delete", None)
            st.rerun()
