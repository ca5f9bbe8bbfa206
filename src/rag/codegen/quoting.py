"""Literal quoting per target language, so no string from a spec can break out of the code around it."""

from __future__ import annotations

import json
import math
import re
import shlex
from typing import Any

# Characters that need no escaping inside a double-quoted shell word, a URL, or a Python/JS string.
_PLAIN = re.compile(r"[A-Za-z0-9/._~:@%+,;=&? -]*")
_WIDTH = 88


def comment(text: Any, limit: int = 120) -> str:
    """Make text safe for a one-line comment: no line breaks or control characters, capped in length."""
    flat = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    flat = re.sub(r"\s+", " ", flat).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def py_escape(text: str) -> str:
    """Escape text for the inside of a double-quoted Python string."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])
    return "".join(out)


def py_str(text: Any) -> str:
    """Return a double-quoted Python string literal."""
    return '"' + py_escape(str(text)) + '"'


def py_lit(value: Any, indent: int = 0) -> str:
    """Return a Python literal for a JSON-like value, one item per line when it does not fit on one."""
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, dict):
        items = [f"{py_lit(k if isinstance(k, (int, float)) else str(k))}: {py_lit(v, indent + 4)}" for k, v in value.items()]
        return wrap("{", items, "}", indent)
    if isinstance(value, (list, tuple)):
        return wrap("[", [py_lit(v, indent + 4) for v in value], "]", indent)
    return py_str(str(value))


def wrap(open_: str, items: list[str], close: str, indent: int, step: int = 4) -> str:
    """Join rendered items inside brackets, inline when short, else one per line."""
    inline = open_ + ", ".join(items) + close
    if not items or (len(inline) + indent <= _WIDTH and "\n" not in inline):
        return inline
    pad = " " * (indent + step)
    return open_ + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + close


def py_fstring_part(text: str) -> str:
    """Escape a literal piece of a double-quoted Python f-string (braces doubled)."""
    return py_escape(text).replace("{", "{{").replace("}", "}}")


def js_str(text: Any) -> str:
    """Return a double-quoted JavaScript string literal (ASCII-only, so no line terminator survives)."""
    return json.dumps(str(text), ensure_ascii=True)


def js_lit(value: Any, indent: int = 0) -> str:
    """Return a JavaScript literal for a JSON-like value, one item per line when it does not fit on one."""
    if isinstance(value, str):
        return js_str(value)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return json.dumps(value) if math.isfinite(value) else "null"
    if isinstance(value, dict):
        return wrap("{", [f"{js_str(k)}: {js_lit(v, indent + 2)}" for k, v in value.items()], "}", indent, 2)
    if isinstance(value, (list, tuple)):
        return wrap("[", [js_lit(v, indent + 2) for v in value], "]", indent, 2)
    return js_str(str(value))


def js_template_part(text: str) -> str:
    """Escape a literal piece of a JavaScript template literal (backticks and ``${`` neutralised)."""
    return json.dumps(text, ensure_ascii=True)[1:-1].replace("`", "\\`").replace("$", "\\$")


def sh(text: Any) -> str:
    """Quote one shell word."""
    return shlex.quote(str(text))


def sh_concat(pieces: list[tuple[str, bool]]) -> str:
    """Join literal and ``$VAR`` pieces into one shell word: readable when plain, fully quoted otherwise."""
    if all(is_var or _PLAIN.fullmatch(text) for text, is_var in pieces):
        return '"' + "".join("${" + t + "}" if v else t for t, v in pieces) + '"'
    return "".join('"${' + t + '}"' if v else shlex.quote(t) for t, v in pieces if v or t)
