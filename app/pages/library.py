"""Library: every indexed API with its facts; re-index, download the original, delete with confirmation."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.common import frame, guard, show_error, when
from app.views.safe import plain
from src.rag.library import ApiInfo


def _original(api: str):
    """Return a loader for the original file, read only when the download is clicked."""
    return lambda: state.assistant().original_file(api)[1]


def reindex(info: ApiInfo) -> None:
    """Re-index one API from its stored original, with a progress bar."""
    bar = st.progress(0.0, text=f"Re-indexing {plain(info.title)}")
    report = state.assistant().reindex(info.api, progress=lambda f, m: bar.progress(f, text=plain(m)))
    bar.empty()
    if report.ok:
        st.session_state["library_notice"] = (
            f"Re-indexed **{plain(report.title)}** {plain(report.version)}: {report.operations} operations, "
            f"{report.embedded} chunks re-embedded."
        )
    else:
        st.session_state["library_notice"] = f":red[:material/error:] {plain(report.error)}"
    st.rerun()


def delete_controls(info: ApiInfo) -> None:
    """Delete after an explicit confirmation."""
    key = f"confirm_remove_{info.api}"
    if not st.session_state.get(key):
        if st.button("Delete", key=f"remove_{info.api}", icon=":material/delete:"):
            st.session_state[key] = True
            st.rerun()
        return
    st.warning(f"Delete **{plain(info.title)}** {plain(info.version)} and all its chunks?")
    yes, no = st.columns(2)
    if yes.button("Yes, delete", key=f"remove_yes_{info.api}", type="primary"):
        removed = state.assistant().remove(info.api)
        st.session_state.pop(key, None)
        st.session_state["library_notice"] = f"Deleted {plain(info.title)} ({removed} chunks)."
        st.rerun()
    if no.button("Cancel", key=f"remove_no_{info.api}"):
        st.session_state.pop(key, None)
        st.rerun()


def rename_controls(info: ApiInfo) -> None:
    """Let the user give the API the name they know it by (blank restores the spec's title)."""
    name = st.text_input("Name shown in the app", value=info.title, key=f"api_name_{info.api}", max_chars=80)
    if st.button("Save name", key=f"api_rename_{info.api}"):
        shown = state.rename_api(info.api, name)
        st.session_state["library_notice"] = f"Renamed to {plain(shown or 'the spec title')}."
        st.rerun()


def api_card(info: ApiInfo) -> None:
    """Render one API: facts, warnings and actions."""
    with st.container(border=True):
        st.subheader(f"{plain(info.title)} · {plain(info.version)}")
        st.markdown(f"**{info.operations}** operations · **{info.schemas}** schemas · **{info.chunks}** chunks · "
                    f"`{info.format}`")
        st.caption(f"Id `{info.api}` · source file {plain(info.source)} · indexed {when(info.indexed_at)}")
        if info.warnings:
            with st.expander(f"{len(info.warnings)} parser warning(s)"):
                for w in info.warnings[:100]:
                    st.caption(plain(w))
        with st.expander("Rename", icon=":material/edit:"):
            rename_controls(info)
        explore, reindex_col, download, remove = st.columns(4)
        explore.page_link("pages/explorer.py", label="Explore", icon=":material/explore:",
                          query_params={"api": info.api})
        if reindex_col.button("Re-index", key=f"reindex_{info.api}", icon=":material/refresh:"):
            with guard("re-indexing"):
                reindex(info)
        download.download_button("Download original", data=_original(info.api), file_name=info.source or "spec",
                                 key=f"download_{info.api}", icon=":material/download:", on_click="ignore")
        with remove:
            with guard("deleting the API"):
                delete_controls(info)


def page() -> None:
    """Render the library page."""
    frame()
    st.title("Library")
    notice = st.session_state.pop("library_notice", None)
    if notice:
        st.info(notice)
    try:
        apis = state.apis()
    except Exception as err:  # one sentence, never a traceback
        show_error(err, "reading the library")
        return
    if not apis:
        st.info("The library is empty: upload a spec from the Chat page sidebar.")
        return
    st.caption(f"{len(apis)} APIs · {sum(a.operations for a in apis)} operations")
    for info in apis:
        api_card(info)


page()
