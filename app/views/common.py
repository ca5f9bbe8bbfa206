"""Small pieces every page uses: one-sentence errors, the model status line, time formatting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from app import state
from app.views.safe import plain
from src.core.errors import AppError
from src.core.logging import get_logger

log = get_logger("app")


def show_error(err: BaseException, action: str = "doing that") -> None:
    """Show one sentence and a next step; unexpected errors go to the log, never a traceback to the user."""
    if isinstance(err, AppError):
        st.error(plain(str(err)), icon=":material/error:")
        return
    log.error("ui.error", action=action, error=type(err).__name__, exc_info=err)
    st.error(f"Something went wrong while {action}; try again, and if it keeps failing check the server log.",
             icon=":material/error:")


@contextmanager
def guard(action: str) -> Iterator[None]:
    """Run a block and turn any failure into a one-sentence message (Streamlit's rerun/stop pass through)."""
    try:
        yield
    except Exception as err:  # the UI must never show a traceback
        show_error(err, action)


def _auth_configured() -> bool:
    """Return whether Streamlit's OIDC login is configured in secrets.toml."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all means no login configured
        return False


def account() -> None:
    """Show who is signed in (Streamlit OIDC) or offer to sign in when login is configured."""
    if st.user.get("is_logged_in"):
        name = st.user.get("name") or st.user.get("email") or "user"
        st.caption(f"Signed in as {plain(name)}")
        st.button("Log out", on_click=st.logout, key="logout")
    elif _auth_configured():
        st.button("Log in", on_click=st.login, key="login")


# Phones (390 px): tables and code scroll inside their own box instead of clipping, and the table toolbar
# no longer covers the tabs above it.
_NARROW_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stElementToolbar"] { display: none; }
  [data-testid="stDataFrame"], [data-testid="stCode"], [data-testid="stTable"] { max-width: 100%; overflow-x: auto; }
  [data-testid="stCode"] pre { white-space: pre-wrap; word-break: break-all; }
  [data-testid="stTabs"] [role="tablist"] { overflow-x: auto; }
  .block-container, [data-testid="stMainBlockContainer"] { padding-left: 0.75rem; padding-right: 0.75rem; }
}
</style>"""


def frame() -> None:
    """Start every page: resolve who this session is, start the model load, show account, model and uploads."""
    from app.views.upload import ingest_panel

    state.owner()
    state.remember_browser()
    st.html(_NARROW_CSS)
    with st.sidebar:
        account()
        model_status()
        # One fixed slot, so the widgets below keep their place (and an upload in flight) as the panel changes.
        with st.container(), guard("showing the uploads"):
            ingest_panel()


def model_status() -> None:
    """Show whether the embedding model is ready; it loads in the background and never blocks a page."""
    if state.warmup().done.is_set():
        _status_line()
    else:
        _pending_status()


@st.fragment(run_every=2)
def _pending_status() -> None:
    """Poll the background load; once it finishes, rerun the page so the status stops polling."""
    _status_line()
    if state.warmup().done.is_set():
        st.rerun()


def _status_line() -> None:
    warm = state.warmup()
    if warm.error:
        st.caption(f":red[:material/error:] {plain(warm.error)}")
    elif warm.done.is_set():
        st.caption(":green[:material/check_circle:] Search model ready")
    else:
        st.caption(":orange[:material/hourglass_top:] Loading the search model in the background; "
                   "the first answer may take a few seconds.")


def when(stamp: float) -> str:
    """Format a UNIX time as local date and minutes."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "—"


def api_label(info) -> str:
    """Return the plain-text label of an API for selectors: title, version."""
    return f"{info.title} {info.version}".strip()
