"""Sidebar upload: index each new file with a progress bar, then show the ingest report and example questions."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from app import state
from app.views.common import show_error
from app.views.safe import plain
from src.core.errors import AppError
from src.rag.examples import example_questions
from src.rag.types import IngestReport

UPLOAD_TYPES = ["json", "yaml", "yml", "graphql", "graphqls", "gql", "md", "markdown", "txt", "zip", "gz", "tgz"]
Progress = Callable[[float, str], None]


def ingest_files(files: Iterable[tuple[str, bytes]], progress: Callable[[int, int], Progress]) -> list[IngestReport]:
    """Index each (name, bytes) in turn; `progress(i, n)` returns the callback for file i of n."""
    files = list(files)
    reports = []
    for i, (name, data) in enumerate(files):
        reports.append(state.assistant().index_upload(name, data, progress=progress(i, len(files))))
    return reports


def remember(reports: list[IngestReport]) -> None:
    """Keep the latest reports and example questions for the newest new API in the session."""
    st.session_state["ingest_reports"] = reports
    fresh = [r for r in reports if r.ok and not r.unchanged and r.api] or [r for r in reports if r.ok and r.api]
    if not fresh:
        return
    try:
        spec = state.assistant().get_spec(fresh[-1].api)
    except AppError:
        return  # the API was indexed; examples are a nicety
    st.session_state["examples"] = {"api": fresh[-1].api, "title": spec.title,
                                    "questions": example_questions(spec)}


def upload_box() -> None:
    """Render the uploader; files not seen before are indexed right away, each with its own progress bar."""
    files = st.file_uploader(
        "Upload API specs", type=UPLOAD_TYPES, accept_multiple_files=True, key="uploads",
        help="OpenAPI/Swagger (JSON or YAML), Postman collections, GraphQL schemas, Markdown; "
             ".zip or .tar.gz for specs split over several files.",
    )
    done: set[str] = st.session_state.setdefault("indexed_file_ids", set())
    new = [f for f in files or [] if f.file_id not in done]
    if new:
        bars = st.container()

        def progress(i: int, n: int) -> Progress:
            bar = bars.progress(0.0, text=f"{plain(new[i].name)}: starting")

            def tell(fraction: float, message: str) -> None:
                bar.progress(min(max(fraction, 0.0), 1.0), text=f"{i + 1}/{n} {plain(new[i].name)}: {plain(message)}")
            return tell

        try:
            reports = ingest_files(((f.name, f.getvalue()) for f in new), progress)
        except Exception as err:  # one sentence, never a traceback
            show_error(err, "indexing the upload")
            return
        finally:
            done.update(f.file_id for f in new)
        bars.empty()
        remember(reports)
    show_reports(st.session_state.get("ingest_reports", []))


def show_reports(reports: list[IngestReport]) -> None:
    """Show one line per file: what was indexed, or why it failed and what to do."""
    for r in reports:
        if not r.ok:
            st.error(plain(r.error or f"{r.file} could not be indexed; check that it is a supported spec."), icon=":material/error:")
            continue
        head = f"**{plain(r.title)}** {plain(r.version)}: {r.operations} operations, {r.schemas} schemas"
        if r.unchanged:
            st.info(f"{head} — already indexed, nothing changed.", icon=":material/check_circle:")
        else:
            st.success(f"{head}, {r.chunks} chunks in {r.seconds:.1f} s.", icon=":material/check_circle:")
        if r.warnings:
            with st.expander(f"{len(r.warnings)} warning(s) for {plain(r.file)}"):
                for w in r.warnings[:50]:
                    st.caption(plain(w))
