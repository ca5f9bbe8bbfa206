"""Render spec, user and model text in Streamlit through the sanitisers of src.core.security."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import streamlit as st

from src.core.security import StreamSanitizer, escape_label, safe_markdown


def plain(text: object) -> str:
    """Return text for a label, caption or heading, escaped so it renders literally."""
    return escape_label(text)


def show_markdown(text: str) -> None:
    """Render Markdown from a spec or a model, sanitised (never with unsafe_allow_html)."""
    st.markdown(safe_markdown(text))


def safe_stream(pieces: Iterable[str]) -> Iterator[str]:
    """Sanitise streamed Markdown piece by piece for `st.write_stream`, holding back half-written links."""
    sanitizer = StreamSanitizer()
    for piece in pieces:
        out = sanitizer.feed(piece)
        if out:
            yield out
    rest = sanitizer.flush()
    if rest:
        yield rest
