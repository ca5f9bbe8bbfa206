"""Make Markdown from specs, users and models safe to render, including while an answer streams.

Prose is bleached (src.core.security), links to anything but http(s)/mailto/relative targets keep
only their text, HTML tags are dropped (Streamlit would show them literally), and `$`
is escaped so dollar amounts never turn into LaTeX. Code (fenced blocks and inline spans) is left
exactly as written: Markdown renders code literally, and bleaching it would mangle `<` and `&`.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import bleach

from src.core.security import escape_markdown, sanitize_markdown

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](dest "title") or ![alt](dest); dest may hold one level of balanced parentheses.
_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)(.*)$")
_QUOTE = re.compile(r"^(\s{0,3}(?:>\s?)+)")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_SAFE_SCHEMES = {"http", "https", "mailto"}
# A partial line is held back from the first character that could start a link, tag, entity, code or math.
_HAZARD = re.compile(r"[\[\]<>&`$\\()!]")


def plain(text: object) -> str:
    """Escape spec or user text for a label or heading: it renders literally, never as a link, tag or math."""
    return escape_markdown(" ".join(str(text or "").split())).replace("$", "\\$")


def is_safe_link(url: str) -> bool:
    """Tell whether a link target is http, https, mailto or relative, after decoding tricks."""
    probe = html.unescape(unquote(url))
    probe = re.sub(r"[\x00-\x20\x7f]", "", probe)
    match = _SCHEME.match(probe)
    return match is None or match.group(1).lower() in _SAFE_SCHEMES


def safe_link(url: str) -> str:
    """Return the URL if it is safe to link to, otherwise `#`."""
    return url if is_safe_link(url) else "#"


def _sanitize_prose(text: str) -> str:
    """Sanitise prose outside code spans; code spans pass through unchanged."""
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_sanitize_plain(text[last:match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_sanitize_plain(text[last:]))
    return "".join(parts)


def _sanitize_plain(text: str) -> str:
    if not text:
        return text
    quote = _QUOTE.match(text)
    lead = quote.group(1) if quote else ""  # keep blockquote markers; bleach would turn them into &gt;
    # Already-escaped brackets (\<b\>) are literal text: make them entities so bleach keeps them visible.
    body = text[len(lead):].replace("\\<", "&lt;").replace("\\>", "&gt;")
    # A link to anything but http(s)/mailto/relative keeps its text and loses the link.
    body = _LINK.sub(lambda m: m.group(0) if is_safe_link(m.group(2)) else m.group(1), body)
    ref = _REF_DEF.match(body)
    if ref and not is_safe_link(ref.group(2)):
        body = ""
    body = sanitize_markdown(body)
    # Streamlit shows raw HTML as literal text, so the tags bleach allows are dropped too, keeping their text.
    body = bleach.clean(body, tags=set(), attributes={}, strip=True)
    return lead + body.replace("$", "\\$").replace("\\\\$", "\\$")


class StreamSanitizer:
    """Sanitise Markdown arriving in pieces; what it emits, concatenated, equals `safe_markdown(text)`."""

    def __init__(self) -> None:
        self._line = ""  # the current, incomplete line
        self._sent = 0  # how much of it has already been emitted (only hazard-free prose)
        self._fence: str | None = None  # the opening fence while inside a code block

    def feed(self, delta: str) -> str:
        """Take the next piece of text and return what can be shown safely now."""
        out: list[str] = []
        self._line += delta
        while "\n" in self._line:
            line, self._line = self._line.split("\n", 1)
            out.append(self._finish(line) + "\n")
            self._sent = 0
        out.append(self._partial())
        return "".join(out)

    def flush(self) -> str:
        """Return whatever is left at the end of the stream."""
        rest = self._finish(self._line) if self._line else ""
        self._line, self._sent = "", 0
        return rest

    def _finish(self, line: str) -> str:
        """Emit the rest of a complete line, tracking code fences."""
        if self._sent:
            rest = line[self._sent:]
            return rest if self._fence is not None else _sanitize_prose(rest)
        fence = _FENCE.match(line)
        if self._fence is not None:
            if fence and fence.group(1)[0] == self._fence[0] and len(fence.group(1)) >= len(self._fence) \
                    and not line.strip().strip(self._fence[0]):
                self._fence = None
            return line
        if fence:
            self._fence = fence.group(1)
            return line
        return _sanitize_prose(line)

    def _partial(self) -> str:
        """Emit the safe prefix of an incomplete line, so the answer still streams word by word."""
        line = self._line
        stripped = line.lstrip()
        if len(stripped) < 4 or stripped[0] in "`~":
            return ""  # could still become a code fence
        if self._fence is not None:
            chunk = line[self._sent:]
        else:
            hazard = _HAZARD.search(line, self._sent)
            end = hazard.start() if hazard else len(line)
            if self._sent == 0 and _QUOTE.match(line):
                end = 0  # a blockquote line is handled whole
            chunk = line[self._sent:end]
        self._sent += len(chunk)
        return chunk


def safe_markdown(text: str) -> str:
    """Return Markdown safe to render with `st.markdown` (never with unsafe_allow_html)."""
    sanitizer = StreamSanitizer()
    return sanitizer.feed(text or "") + sanitizer.flush()
