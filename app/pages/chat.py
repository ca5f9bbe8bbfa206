"""Chat (home): upload specs, pick APIs, ask; answers stream with sources, code, feedback and export."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app import state
from app.views import sidebar
from app.views.answer import answer_stream, render_answer
from app.views.common import frame, guard, show_error
from app.views.safe import plain
from app.views.upload import upload_box
from src.rag.conversations import Conversation
from src.rag.retrieval import SearchFilters
from src.rag.transcript import export_filename, export_markdown, usage_summary


def user_text(text: str) -> str:
    """Escape a user's question for display, keeping its line breaks."""
    return "  \n".join(plain(line) for line in text.splitlines()) or " "


def ask(question: str, conv: Conversation | None, apis: tuple[str, ...]) -> Conversation | None:
    """Answer one question: rate limit, store it, stream the answer, store the answer, render its details."""
    decision = state.limiter().check(state.owner())
    if not decision.allowed:
        st.info(decision.message(), icon=":material/hourglass_top:")
        return conv
    store = state.conversations()
    if conv is None:
        conv = store.create(state.owner())
        sidebar.select(conv)
    history = store.history(conv.id)  # whole conversation: the prompt builder trims it to its token budget
    store.add_message(conv.id, "user", question)
    with st.chat_message("user"):
        st.markdown(user_text(question))
    with st.chat_message("assistant"):
        holder: dict = {}
        status = st.empty()  # what a slow model is doing, e.g. reading the prompt
        try:
            with st.spinner("Searching your specs…"):
                events = state.assistant().stream(
                    question, filters=SearchFilters(apis=apis) if apis else None, history=history,
                    top_k=state.top_k(), router=state.router())
                stream = answer_stream(events, holder, on_progress=lambda text: status.caption(plain(text)))
                first = next(stream, "")  # the spinner covers retrieval; text then streams in
            st.write_stream(_chain(first, stream))
        except Exception as err:  # one sentence and a next step, never a traceback
            show_error(err, "answering the question")
            return conv
        answer = holder.get("answer")
        if answer is None:
            st.error("The answer was cut off before it finished; ask again.")
            return conv
        message = store.add_message(conv.id, "assistant", answer.text, answer)
        render_answer(answer, message.id, show_text=False)
    return store.get(conv.id)


def _chain(first: str, rest):
    if first:
        yield first
    yield from rest


def suggestion_api(apis: tuple[str, ...]) -> str:
    """Return the API to suggest questions about: the first chosen one, else the most recently indexed."""
    infos = state.apis()
    if apis:
        return apis[0]
    return max(infos, key=lambda i: i.indexed_at).api if infos else ""


def examples(apis: tuple[str, ...]) -> None:
    """Offer questions built from one API's own operations; each is known to find its endpoint."""
    api = suggestion_api(apis)
    if not api:
        return
    questions = state.suggestions(api)
    if not questions:
        return
    st.caption(f"Try asking about **{plain(state.api_title(api))}**:")
    for i, q in enumerate(questions):
        # Set before the rerun starts, so the page, which reads the question first, asks it in that run.
        st.button(plain(q), key=f"example_{i}", icon=":material/lightbulb:", on_click=_suggest, args=(q, api))


def _suggest(question: str, api: str) -> None:
    st.session_state["pending_question"] = (question, api)


def welcome() -> None:
    """Explain the app on an empty library and offer the upload right here, not only in the sidebar."""
    st.markdown(
        "Upload an API specification and ask how to do things with it: each answer names the exact endpoint, "
        "the parameters that matter, the auth it needs, a citation into the spec and runnable code. "
        "Everything runs on this server; no key is needed.")
    st.markdown("**Supported:** OpenAPI 3.0/3.1 and Swagger 2.0 (JSON or YAML), Postman collections, GraphQL "
                "schemas, Markdown docs, and `.zip` / `.tar.gz` archives of multi-file specs.")
    upload_box(key="uploads_main", label="Upload your first spec")
    st.caption("Indexing runs in the background: you can keep reading or asking while it works.")


def history(conv: Conversation | None) -> None:
    """Render the stored messages of the open conversation."""
    if conv is None:
        return
    for m in state.conversations().messages(conv.id):
        with st.chat_message(m.role):
            if m.role == "user":
                st.markdown(user_text(m.text))
            elif m.answer is not None:
                render_answer(m.answer, m.id, m.feedback)
            else:
                st.markdown(plain(m.text))


def export(conv: Conversation | None) -> None:
    """Offer the open conversation as a Markdown download."""
    if conv is None:
        return
    store = state.conversations()
    # Built when clicked (on Streamlit's download thread), not on every rerun of the page.
    st.download_button("Export as Markdown", data=lambda: export_markdown(conv, store.messages(conv.id)),
                       file_name=export_filename(conv), mime="text/markdown", icon=":material/download:",
                       key="export", on_click="ignore")


def usage_caption(conv: Conversation | None, where: DeltaGenerator) -> None:
    """Show the conversation's total tokens and estimated cost once a language model has answered."""
    if conv is None:
        return
    usage = state.conversations().usage_total(conv.id)
    if usage.prompt_tokens or usage.completion_tokens:
        # `$` is escaped so Streamlit never reads the amount as LaTeX.
        where.caption(":material/paid: Conversation total: " + usage_summary(usage).replace("$", "\\$"))


def title_bar(conv: Conversation | None, head: DeltaGenerator, tail: DeltaGenerator) -> None:
    """Fill the row above the messages: the conversation's title and cost, and its export."""
    head.title(plain(conv.title) if conv else "Ask your APIs")
    usage_caption(conv, head)
    with tail:
        export(conv)


def page() -> None:
    """Render the chat page; without a new question the heading and the conversation list go out first."""
    frame()
    conv = sidebar.current_conversation()
    head, tail = st.columns([4, 1], vertical_alignment="bottom")
    # The input is pinned to the bottom wherever it is called; read first, it tells whether this run asks.
    question = st.chat_input("Ask how to do something with your APIs…", max_chars=state.settings().max_question_chars)
    suggested: tuple[str, ...] = ()
    if not question and "pending_question" in st.session_state:
        question, api = st.session_state.pop("pending_question")
        suggested = (api,)  # a suggestion was checked against its own API
    if not question:
        # Sent before the sidebar and the history, so the browser draws them before the heavier parts.
        title_bar(conv, head, tail)
    with st.sidebar:
        with guard("indexing the upload"):
            upload_box()
        apis: tuple[str, ...] = ()
        with guard("reading the library"):
            apis = sidebar.library_filter()
        conversations_slot = st.container()
        if not question:
            with conversations_slot:
                sidebar.conversation_list(conv)
    history(conv)
    if not state.apis():
        welcome()
    elif conv is None or not state.conversations().messages(conv.id):
        examples(apis)
    else:
        with st.expander("Suggested questions", icon=":material/lightbulb:"):
            examples(apis)
    if question:
        conv = ask(question, conv, apis or suggested)
        # Filled after the answer, so a conversation started by this question is already titled and listed.
        title_bar(conv, head, tail)
        with conversations_slot:
            sidebar.conversation_list(conv)


page()
