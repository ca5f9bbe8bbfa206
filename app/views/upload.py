"""Upload: files go to the background indexer at once; a panel on every page shows their progress and reports."""

from __future__ import annotations

import streamlit as st

from app import state
from app.views.safe import plain
from src.rag.jobs import Job
from src.rag.types import IngestReport

UPLOAD_TYPES = ["json", "yaml", "yml", "graphql", "graphqls", "gql", "md", "markdown", "txt", "zip", "gz", "tgz"]
UPLOAD_HELP = ("OpenAPI/Swagger (JSON or YAML), Postman collections, GraphQL schemas, Markdown; "
               ".zip or .tar.gz for specs split over several files.")
POLL_S = 1.0


def upload_box(key: str = "uploads", label: str = "Upload API specs") -> None:
    """Render an uploader; files not seen before are queued for indexing and the page stays usable."""
    files = st.file_uploader(label, type=UPLOAD_TYPES, accept_multiple_files=True, key=key, help=UPLOAD_HELP)
    done: set[str] = st.session_state.setdefault("indexed_file_ids", set())
    new = [f for f in files or [] if f.file_id not in done]
    for f in new:
        state.jobs().submit(state.owner(), f.name, f.getvalue())
        done.add(f.file_id)
    if new:
        # The page's own panel was drawn before these were queued: follow them right here until the
        # next full run (a rerun now would race the uploader while further files are still arriving).
        _live_panel()


def ingest_panel() -> None:
    """Show this session's uploads on any page: live progress while they run, collapsed reports after."""
    if state.jobs().busy(state.owner()):
        _live_panel()
    else:
        _finished_panel(state.jobs().jobs(state.owner()))


@st.fragment(run_every=POLL_S)
def _live_panel() -> None:
    """Redraw progress every second; when the last upload finishes, rerun the page so lists refresh."""
    jobs = state.jobs().jobs(state.owner())
    for job in jobs:
        if job.active:
            _progress(job)
    finished = [j for j in jobs if not j.active]
    if finished:
        st.caption(f"{len(finished)} finished, {len(jobs) - len(finished)} in progress")
    if not state.jobs().busy(state.owner()):
        st.rerun(scope="app")


def _progress(job: Job) -> None:
    st.progress(min(max(job.fraction, 0.0), 1.0), text=f"{plain(job.file)}: {plain(job.message)}")


def _finished_panel(jobs: list[Job]) -> None:
    reports = [j.report for j in jobs if j.report is not None]
    if not reports:
        return
    failed = sum(not r.ok for r in reports)
    label = f"Indexed {len(reports) - failed} of {len(reports)} file(s)" + (f", {failed} failed" if failed else "")
    # A failure stays open so its sentence is seen; a clean run collapses to one line.
    with st.expander(label, expanded=bool(failed), icon=":material/error:" if failed else ":material/task_alt:"):
        show_reports(reports)
        if st.button("Clear", key="clear_ingest_reports", icon=":material/clear_all:"):
            state.jobs().clear_finished(state.owner())
            st.rerun()


def show_reports(reports: list[IngestReport]) -> None:
    """Show one line per file: what was indexed, or why it failed and what to do."""
    for r in reports:
        if not r.ok:
            st.error(plain(r.error or f"{r.file} could not be indexed; check that it is a supported spec."),
                     icon=":material/error:")
            continue
        head = f"**{plain(r.title)}** {plain(r.version)}: {r.operations} operations, {r.schemas} schemas"
        if r.unchanged:
            st.info(f"{head} — already indexed, nothing changed.", icon=":material/check_circle:")
        else:
            st.success(f"{head}, {r.chunks} chunks in {r.seconds:.1f} s.", icon=":material/check_circle:")
        if r.warnings:
            st.caption(f"{len(r.warnings)} parser warning(s) for {plain(r.file)}; see the Library page.")
