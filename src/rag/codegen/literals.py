"""String and value literals for Go, Java, C#, PHP, Ruby and PowerShell: no spec text can leave its literal."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from src.rag.codegen.quoting import comment, wrap

# PowerShell ends a single-quoted string at any of these, not just the ASCII apostrophe.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def _clean(text: Any) -> str:
    """Replace lone surrogates (no source file or compiler accepts them) with U+FFFD."""
    return "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in str(text))


def _escape(text: str, plain: str, named: dict[str, str], code: Any) -> str:
    """Escape every character outside printable ASCII (and the ``plain``-excluded ones) with ``code``."""
    out = []
    for ch in _clean(text):
        if ch in named:
            out.append(named[ch])
        elif " " <= ch <= "~" and ch not in plain:
            out.append(ch)
        else:
            out.append(code(ord(ch)))
    return "".join(out)


_C_NAMED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def go_str(text: Any) -> str:
    """Return a Go interpreted string literal."""
    return '"' + _escape(str(text), "", _C_NAMED, lambda n: f"\\x{n:02x}" if n < 0x80 else (
        f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}")) + '"'


def java_str(text: Any) -> str:
    """Return a Java string literal.

    Java turns ``\\uXXXX`` into characters before it reads the source, so a line break is written as an
    octal escape, never as ``\\u000a``; a backslash in the text is doubled, which keeps a ``\\u`` in the
    text from becoming an escape.
    """
    def code(n: int) -> str:
        if n < 0x80:
            return f"\\{n:03o}"
        return "".join(f"\\u{u:04x}" for u in _utf16(n))

    return '"' + _escape(str(text), "", _C_NAMED, code) + '"'


def _utf16(n: int) -> list[int]:
    if n <= 0xFFFF:
        return [n]
    n -= 0x10000
    return [0xD800 + (n >> 10), 0xDC00 + (n & 0x3FF)]


def java_comment(text: Any, limit: int = 120) -> str:
    """Make text safe for a Java line comment, where ``\\u000a`` in the text would end the comment."""
    flat = comment(text, limit)
    return re.sub(r"\\+(?=u)", lambda m: m.group(0) * 2, flat)


# HttpClient sets these itself and refuses them as headers.
_JAVA_RESTRICTED = {"host", "connection", "content-length", "expect", "upgrade"}


def java_headers(headers: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Return the headers Java's HttpClient lets a program set (it sets Host, Connection and the length itself)."""
    return [(name, value) for name, value in headers if name.lower() not in _JAVA_RESTRICTED]


def java_text_block(text: str, indent: int) -> str:
    """Return a Java text block holding ``text`` exactly (backslashes doubled, no triple quote left)."""
    body = text.replace("\\", "\\\\")
    body = re.sub(r'"(?=")', '\\\\"', body)
    pad = " " * indent
    lines = "\n".join(pad + line if line else "" for line in body.split("\n"))
    return '"""\n' + lines + "\n" + pad + '"""'


def csharp_str(text: Any) -> str:
    """Return a C# regular string literal."""
    named = dict(_C_NAMED, **{"\0": "\\0"})
    return '"' + _escape(str(text), "", named, lambda n: f"\\u{n:04x}" if n <= 0xFFFF else f"\\U{n:08x}") + '"'


def csharp_verbatim(text: str) -> str:
    """Return a C# verbatim string (``@"..."``, quotes doubled) for multi-line ASCII text such as JSON."""
    return '@"' + _clean(text).replace('"', '""') + '"'


def _quoted_or_escaped(text: Any, interpolation: str) -> str:
    """Single-quote printable text (only ``\\`` and ``'`` escaped); else double-quote with ``\\u{...}`` escapes.

    ``interpolation`` is the character that starts interpolation in the language's double quotes, escaped there.
    """
    text = _clean(text)
    if all(ch.isprintable() for ch in text):
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    named = dict(_C_NAMED, **{interpolation: "\\" + interpolation})
    return '"' + "".join(named.get(ch) or (ch if ch.isprintable() else f"\\u{{{ord(ch):x}}}") for ch in text) + '"'


def php_str(text: Any) -> str:
    """Return a PHP string: single-quoted (no interpolation) unless it needs escapes for unprintable text."""
    return _quoted_or_escaped(text, "$")


def php_comment(text: Any, limit: int = 120) -> str:
    """Make text safe for a PHP line comment, where ``?>`` would leave PHP mode."""
    return comment(text, limit).replace("?>", "? >")


def ruby_str(text: Any) -> str:
    """Return a Ruby string: single-quoted unless it needs escapes; ``#{`` is escaped in double quotes."""
    return _quoted_or_escaped(text, "#")


def ps_str(text: Any) -> str:
    """Return a PowerShell single-quoted string; unprintable characters are joined in as ``[char]`` codes."""
    pieces: list[str] = []
    literal = ""
    for ch in _clean(text):
        if ch.isprintable():
            literal += ch * 2 if ch in _PS_QUOTES else ch
            continue
        if literal:
            pieces.append(f"'{literal}'")
            literal = ""
        pieces.append(f"[char]0x{ord(ch):x}" if ord(ch) <= 0xFFFF else f"[char]::ConvertFromUtf32(0x{ord(ch):x})")
    if literal or not pieces:
        pieces.append(f"'{literal}'")
    return pieces[0] if len(pieces) == 1 else "(" + " + ".join(pieces) + ")"


def _scalar(value: Any, quote: Any, true: str, false: str, null: str) -> str | None:
    """Write a string, boolean, null or number with the language's words; None for containers."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool) or value is None:
        return {True: true, False: false, None: null}[value]
    if isinstance(value, (int, float)):
        return json.dumps(value) if math.isfinite(value) else null
    return None if isinstance(value, (dict, list, tuple)) else quote(str(value))


def go_lit(value: Any, indent: int = 0) -> str:
    """Return a Go composite literal (``map[string]any``, ``[]any``) for a JSON-like value, as gofmt lays it out."""
    scalar = _scalar(value, go_str, "true", "false", "nil")
    if scalar is not None:
        return scalar
    if isinstance(value, dict):
        return go_map([(go_str(k), go_lit(v, indent + 1)) for k, v in value.items()], indent)
    tab = "\t" * (indent + 1)
    items = [f"{tab}{go_lit(v, indent + 1)},\n" for v in value]
    return "[]any{" + ("\n" + "".join(items) + "\t" * indent if items else "") + "}"


def go_map(entries: list[tuple[str, str]], indent: int) -> str:
    """Write ``map[string]any{...}`` from rendered keys and values, values aligned the way gofmt aligns them.

    gofmt aligns the values of consecutive one-line entries; an entry spanning lines, or a long key of
    very different length (more than 40 characters, 2.5 times off the section's geometric mean), starts
    a new section.
    """
    if not entries:
        return "map[string]any{}"
    tab = "\t" * (indent + 1)
    sections: list[list[tuple[str, str]]] = []
    prev, logs = 0, []
    for key, val in entries:
        size = 0 if "\n" in val else len(key)
        fresh = not sections or not size or not prev or (
            logs and not (prev <= 40 and size <= 40) and not 0.4 < size / math.exp(sum(logs) / len(logs)) < 2.5)
        if fresh:
            sections.append([])
            logs = []
        sections[-1].append((key, val))
        logs += [math.log(size)] if size else []
        prev = size
    lines = []
    for section in sections:
        width = max(len(k) for k, _ in section)
        lines += [f"{tab}{k}:{' ' * (width - len(k) + 1)}{v},\n" for k, v in section]
    return "map[string]any{\n" + "".join(lines) + "\t" * indent + "}"


def php_lit(value: Any, indent: int = 0) -> str:
    """Return a PHP array/scalar literal; an empty object stays an object when JSON-encoded."""
    scalar = _scalar(value, php_str, "true", "false", "null")
    if scalar is not None:
        return scalar
    if isinstance(value, dict):
        if not value:
            return "new stdClass()"
        return wrap("[", [f"{php_str(k)} => {php_lit(v, indent + 4)}" for k, v in value.items()], "]", indent)
    return wrap("[", [php_lit(v, indent + 4) for v in value], "]", indent)


def ruby_lit(value: Any, indent: int = 0) -> str:
    """Return a Ruby hash/array/scalar literal."""
    scalar = _scalar(value, ruby_str, "true", "false", "nil")
    if scalar is not None:
        return scalar
    if isinstance(value, dict):
        return wrap("{", [f"{ruby_str(k)} => {ruby_lit(v, indent + 2)}" for k, v in value.items()], "}", indent, 2)
    return wrap("[", [ruby_lit(v, indent + 2) for v in value], "]", indent, 2)


def ps_lit(value: Any, indent: int = 0) -> str:
    """Return a PowerShell literal: ordered hashtables and arrays that ConvertTo-Json turns back into JSON."""
    scalar = _scalar(value, ps_str, "$true", "$false", "$null")
    if scalar is not None:
        return scalar
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict):
        if not value:
            return "[ordered]@{}"
        items = "".join(f"{inner}{ps_str(k)} = {ps_lit(v, indent + 4)}\n" for k, v in value.items())
        return "[ordered]@{\n" + items + pad + "}"
    return "@(" + ", ".join(ps_lit(v, indent) for v in value) + ")"
