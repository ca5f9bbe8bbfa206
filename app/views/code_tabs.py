"""Code samples as tabs: the user's preferred languages first, every other language one click away."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import streamlit as st

from app import state
from app.views.safe import plain
from src.rag.codegen import LANGUAGES, SUPPORTED_LANGUAGES
from src.rag.types import CodeSample

DEFAULT_PREFERRED = ("curl", "python", "javascript")
PREF_KEY = "languages"


def preferred_languages() -> list[str]:
    """Return the languages this user wants shown first (saved with their preferences), else the defaults."""
    saved = state.prefs().get(PREF_KEY) or []
    known = [lang for lang in saved if lang in LANGUAGES]
    return known or list(DEFAULT_PREFERRED)


def _label(language: str) -> str:
    lang = LANGUAGES.get(language)
    return lang.label if lang else language


def _show(samples: list[CodeSample]) -> None:
    for sample in samples:
        if len(samples) > 1:  # several operations (or a chained script): say which one this is
            caption = (sample.label or sample.language).removesuffix(": " + _label(sample.language))
            st.caption(plain(caption))
        lang = LANGUAGES.get(sample.language)
        st.code(sample.code, language=lang.fence if lang else sample.language)


def _save_preference(widget_key: str) -> None:
    chosen = [lang for lang in st.session_state.get(widget_key) or [] if lang in LANGUAGES]
    state.save_prefs(**{PREF_KEY: chosen or None})


def render_code(samples: Iterable[CodeSample], key: str, *, show_all: bool = False,
                preferred: Sequence[str] | None = None) -> None:
    """Show samples in one tab per preferred language plus a "More languages" tab (``show_all``: a tab each).

    Every tab gets `st.code`'s copy button; multi-step answers stack their steps inside each language's tab.
    Under an answer only the open tab is drawn (a conversation holds many answers); ``show_all`` draws all.
    """
    samples = list(samples)
    if not samples:
        return
    first = list(preferred) if preferred is not None else preferred_languages()
    present = list(dict.fromkeys(s.language for s in samples))
    ordered = [lang for lang in first if lang in present] + [lang for lang in present if lang not in first]
    shown = ordered if show_all else [lang for lang in ordered if lang in first] or ordered[:1]
    others = [lang for lang in ordered if lang not in shown]
    labels = [plain(_label(lang)) for lang in shown] + ([f"More languages ({len(others)})"] if others else [])
    lazy = not show_all
    tabs = st.tabs(labels, key=key, on_change="rerun" if lazy else "ignore")
    for tab, language in zip(tabs, shown):
        if lazy and not tab.open:
            continue
        with tab:
            _show([s for s in samples if s.language == language])
    if others and (not lazy or tabs[-1].open):
        with tabs[-1]:
            pick = st.radio("Language", others, format_func=_label, horizontal=True, key=f"{key}_more",
                            label_visibility="collapsed")
            _show([s for s in samples if s.language == (pick or others[0])])
            st.multiselect("Languages shown first (remembered)", list(SUPPORTED_LANGUAGES), default=first,
                           format_func=_label, key=f"{key}_first", on_change=_save_preference,
                           args=(f"{key}_first",))
