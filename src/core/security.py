"""Validation and sanitisation of everything that enters or leaves: questions, uploads, file names, HTML, Markdown, terminal text."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import unquote

import nh3

from src.core.errors import InputRejected

# C0/C1 control characters except tab and newline; zero-width and bidi overrides that can hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRS = {"a": {"href", "title"}, "abbr": {"title"}}


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
    # clean_content_tags=set(): a <script> element loses its tags but its text stays visible (and inert)
    return nh3.clean(markup, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS, url_schemes=set(_SAFE_SCHEMES), link_rel=None,
                     clean_content_tags=set())


def escape_text(text: str) -> str:
    """Escape text for literal display inside HTML."""
    return html.escape(text, quote=True)


_MD_ACTIVE = re.compile(r"[\\`*_{}\[\]<>()#+!|~]")


def escape_markdown(text: str) -> str:
    """Escape Markdown and HTML metacharacters so spec text renders literally, never as links or tags."""
    return _MD_ACTIVE.sub(lambda m: "\\" + m.group(0), text or "")


def sanitize_markdown(text: str) -> str:
    """Make spec-derived Markdown safe: raw HTML is cleaned and `javascript:` link targets are removed."""
    cleaned = sanitize_html(text or "")
    return re.sub(r"\]\(\s*(?:javascript|vbscript|data):[^)]*\)", "](#)", cleaned, flags=re.IGNORECASE)


# --- Markdown shown in the UI -------------------------------------------------------------------------
# Prose is cleaned (nh3), links to anything but http(s)/mailto/relative targets keep only their text, HTML
# tags are dropped (Streamlit would show them literally) and `$` is escaped so dollar amounts never
# turn into LaTeX. Code (fenced blocks and inline spans) is left exactly as written: Markdown renders
# code literally, and cleaning it would mangle `<` and `&`.

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](dest "title") or ![alt](dest); dest may hold one level of balanced parentheses.
_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)(.*)$")
_QUOTE = re.compile(r"^(\s{0,3}(?:>\s?)+)")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_SAFE_SCHEMES = {"http", "https", "mailto"}
# A dangerous scheme where a link target can start: after `(` or `<` (inline links, images, autolinks), after
# `]:` (a reference definition) or at the start of a line (a destination continued from the line above).
# Letters may be split by control characters or written as entities and the colon may be an entity or
# escaped: renderers and browsers undo all of those.
_TRICK = r"(?:[\x00-\x09\x0b-\x1f\x7f]|&(?:Tab|NewLine|#0*(?:9|10|13);|#x0*(?:9|a|d);))*"


def _letter(ch: str) -> str:
    """Match one scheme letter written plainly or as a decimal or hex entity (either case)."""
    codes = sorted({ord(ch.lower()), ord(ch.upper())})
    return "(?:" + ch + "|" + "|".join(f"&#0*{c};|&#x0*{c:x};" for c in codes) + ")"


_COLON = r"(?:\\?:|&colon;|&#0*58;|&#x0*3a;)"
_SCHEME_TRICK = ("(?:" + "|".join(_TRICK.join(_letter(c) for c in word) for word in ("javascript", "vbscript", "data"))
                 + ")" + _TRICK + _COLON)
_TRAILING_COLON = re.compile(_COLON + "$", re.IGNORECASE)
_DEFUSE = re.compile(r"((?:[(<]|&lt;|\]:)\s*)(" + _SCHEME_TRICK + ")", re.IGNORECASE)
_DEFUSE_AT_START = re.compile(r"^(\s*)(" + _SCHEME_TRICK + ")", re.IGNORECASE)


def _defuse(text: str, at_line_start: bool) -> str:
    """Break every dangerous scheme in a link-target position: its colon becomes ` :`, so no link keeps it."""
    def broken(m: re.Match[str]) -> str:
        return m.group(1) + _TRAILING_COLON.sub("", m.group(2)) + " :"

    text = _DEFUSE.sub(broken, text)
    return _DEFUSE_AT_START.sub(broken, text) if at_line_start else text


# A partial line is held back from the first character that could start a link, tag, entity, code or math.
_HAZARD = re.compile(r"[\[\]<>&`$\\()!]")


def escape_label(text: object) -> str:
    """Escape spec or user text for a one-line label or heading: literal, never a link, tag or math."""
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


def _sanitize_prose(text: str, at_line_start: bool = False) -> str:
    """Sanitise prose outside code spans; code spans pass through unchanged."""
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_sanitize_plain(text[last:match.start()], at_line_start and not last))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_sanitize_plain(text[last:], at_line_start and not last))
    return "".join(parts)


def _sanitize_plain(text: str, at_line_start: bool = False) -> str:
    """Sanitise one prose fragment: unsafe links keep only their text, tags go, `$` is escaped."""
    if not text:
        return text
    quote = _QUOTE.match(text)
    lead = quote.group(1) if quote else ""  # keep blockquote markers; nh3 would turn them into &gt;
    # Already-escaped brackets (\<b\>) are literal text: make them entities so nh3 keeps them visible.
    body = text[len(lead):].replace("\\<", "&lt;").replace("\\>", "&gt;")
    # A link to anything but http(s)/mailto/relative keeps its text and loses the link.
    body = _LINK.sub(lambda m: m.group(0) if is_safe_link(m.group(2)) else m.group(1), body)
    ref = _REF_DEF.match(body)
    if ref and not is_safe_link(ref.group(2)):
        body = ""
    body = sanitize_markdown(body)
    # Streamlit shows raw HTML as literal text, so the tags nh3 allows are dropped too, keeping their text.
    body = nh3.clean(body, tags=set(), attributes={}, clean_content_tags=set())
    # Whatever still reads as a dangerous scheme where a link target can start loses its colon (see _DEFUSE):
    # this catches the forms the link pattern misses, e.g. a destination broken up by a code span.
    body = _defuse(body, at_line_start and not lead)
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
            return rest if self._fence is not None else _sanitize_prose(rest, at_line_start=not line[:self._sent].strip())
        fence = _FENCE.match(line)
        if self._fence is not None:
            if fence and fence.group(1)[0] == self._fence[0] and len(fence.group(1)) >= len(self._fence) \
                    and not line.strip().strip(self._fence[0]):
                self._fence = None
            return line
        if fence:
            self._fence = fence.group(1)
            return line
        return _sanitize_prose(line, at_line_start=True)

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
            elif self._sent == 0:
                # the first word could be a link destination continued from the line above: held back
                # until it is complete, and the whole line when it is a dangerous scheme
                if line.find(" ", len(line) - len(stripped)) < 0 or _DEFUSE_AT_START.match(line):
                    end = 0
            chunk = line[self._sent:end]
        self._sent += len(chunk)
        return chunk


def safe_markdown(text: str) -> str:
    """Return Markdown safe to render in a UI that shows raw HTML literally (no live links, tags or math)."""
    sanitizer = StreamSanitizer()
    return sanitizer.feed(text or "") + sanitizer.flush()


# --- Text shown in a terminal ---------------------------------------------------------------------------
# Spec titles, descriptions and model output reach the terminal; escape sequences in them could set the
# window title (OSC 0), plant hidden hyperlinks (OSC 8), clear the screen (CSI) or overwrite a line (CR).
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC ... BEL/ST (title, hyperlink), even unterminated
    r"|(?:\x1b[P^_X]|[\x90\x9e\x9f\x98])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, PM, APC, SOS strings
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI (clear screen, cursor moves, colours)
    r"|\x1b[ -/]*[0-~]?"  # any other escape
)
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: object) -> str:
    """Return text safe to print on a terminal: escape sequences, C0/C1 controls, lone CRs and bidi overrides removed.

    Newlines and tabs are kept; a CR-LF pair becomes a newline.
    """
    value = "" if text is None else str(text)
    value = _ESCAPE_SEQUENCE.sub("", value.replace("\r\n", "\n"))
    return _TERMINAL_CONTROL.sub("", value)
