"""Validation and sanitisation of everything that enters: questions, uploads, file names, HTML."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import PurePosixPath

import bleach

from src.core.errors import InputRejected

# C0/C1 control characters except tab and newline; zero-width and bidi overrides that can hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ALLOWED_TAGS = [
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
]
_ALLOWED_ATTRS = {"a": ["href", "title"], "abbr": ["title"]}


def sanitize_question(text: object, max_chars: int = 2000) -> str:
    """Return the question with control characters removed and length capped; never reject content.

    Ordinary text ($ref, ?a=1&b=2, SQL-looking words, quotes, non-Latin scripts) is kept as typed.
    """
    value = "" if text is None else str(text)
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _CONTROL.sub("", value).strip()
    return value[:max_chars].rstrip() if len(value) > max_chars else value


def require_question(text: object, max_chars: int = 2000) -> str:
    """Sanitise a question and reject it only when nothing is left to answer."""
    cleaned = sanitize_question(text, max_chars)
    if not cleaned:
        raise InputRejected("The question is empty: type what you want to know about your APIs.")
    return cleaned


def safe_filename(name: str) -> str:
    """Reduce an uploaded file name to a harmless base name (no directories, no control characters)."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = _CONTROL.sub("", base)
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    return base[:120] or "upload"


def check_upload_size(name: str, size: int, limit_bytes: int) -> None:
    """Refuse an upload larger than the limit before anything reads it."""
    if size > limit_bytes:
        raise InputRejected(
            f"{safe_filename(name)}: the file is {size / 1048576:.1f} MB, over the {limit_bytes / 1048576:.0f} MB "
            "upload limit; upload a smaller file or raise APIASSIST_MAX_UPLOAD_MB."
        )


def sanitize_html(markup: str) -> str:
    """Strip every tag and attribute outside a small allowlist; `javascript:` links are dropped."""
    return bleach.clean(markup, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS, protocols=["http", "https", "mailto"], strip=True)


def escape_text(text: str) -> str:
    """Escape text for literal display inside HTML."""
    return html.escape(text, quote=True)


_MD_ACTIVE = re.compile(r"[\\`*_{}\[\]<>()#+!|~]")


def escape_markdown(text: str) -> str:
    """Escape Markdown and HTML metacharacters so spec text renders literally, never as links or tags."""
    return _MD_ACTIVE.sub(lambda m: "\\" + m.group(0), text or "")


def sanitize_markdown(text: str) -> str:
    """Make spec-derived Markdown safe: raw HTML is bleached and `javascript:` link targets are removed."""
    cleaned = sanitize_html(text or "")
    return re.sub(r"\]\(\s*(?:javascript|vbscript|data):[^)]*\)", "](#)", cleaned, flags=re.IGNORECASE)
