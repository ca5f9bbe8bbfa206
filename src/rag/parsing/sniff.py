"""Detect what a file is from its content: archive, binary junk, JSON/YAML spec, GraphQL, Postman or prose."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from src.core.errors import SpecError
from src.rag.parsing.limits import DEFAULT_LIMITS, SpecLimits, check_counts, check_shape
from src.rag.parsing.loading import load_json, load_yaml
from src.rag.types import SpecFormat

_SPEC_LINE = re.compile(r"""^["']?(openapi|swagger)["']?\s*:""", re.MULTILINE)
_KEY_LINE = re.compile(r"""^\s*(?:-\s+)?["']?[\w$./{}~-]+["']?\s*:(?:\s|$)|^(?:---|\.\.\.)\s*$|^%YAML""")
_SDL_START = re.compile(r"""^\s*(?:"|(?:extend\s+)?(?:schema|type|interface|input|enum|union|scalar|directive)\b)""")
_SDL_BLOCK = re.compile(r"^\s*(?:extend\s+)?(?:schema|type|interface|input|enum)\b[^:\n]*\{", re.MULTILINE)
# `{"key"`, `{}`, `[{`, `["` or `[]` open JSON; `{{baseUrl}}`, `[![badge](...)]` and `[[TOC]]` open prose.
_JSON_START = re.compile(r"""(?:\{\s*(?:"|\}|$)|\[\s*(?:[{"\]]|$))""")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_POSTMAN_JSON = re.compile(r'"item"\s*:\s*\[')
_POSTMAN_YAML = re.compile(r"^[ \t-]*item[ \t]*:", re.MULTILINE)
_JSON_EXT = (".json",)
_YAML_EXT = (".yaml", ".yml")


def archive_kind(data: bytes) -> str:
    """Return 'zip', 'tar' or 'gzip' when the bytes are an archive or compressed stream, else ''."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b" or (data[:3] == b"BZh" and data[4:10] == b"1AY&SY") or data[:6] == b"\xfd7zXZ\x00":
        return "gzip"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    return ""


_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
_TEXT_CONTROLS = b"\t\n\r\x0c"
_OTHER_CONTROLS = bytes(b for b in range(32) if b not in _TEXT_CONTROLS)
_NOT_ASCII_TEXT = bytes(b for b in range(256) if not (32 <= b < 127 or b in _TEXT_CONTROLS))


def decode_text(name: str, data: bytes) -> str:
    """Decode file bytes as text: by byte-order mark (UTF-32, UTF-16, UTF-8), as UTF-8, then as Latin-1 if text-like.

    A marked file says what it is, so its mark wins. Latin-1 here is Windows-1252 where that code page
    defines a byte (curly quotes, the euro sign), the way browsers read such files; only bytes that look
    like no text at all are refused as binary.
    """
    for bom, encoding in _BOMS:  # UTF-32-LE's mark starts like UTF-16-LE's, so the longer marks go first
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.removesuffix("-sig"))
            except UnicodeDecodeError:
                break
    head = data[:8192]
    if not _few_controls(head):
        raise _binary(name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(head.translate(None, _NOT_ASCII_TEXT)) * 10 < len(head) * 7:
        raise _binary(name)  # 8-bit text is mostly ASCII; mostly high bytes is binary
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _few_controls(head: bytes) -> bool:
    """Tell whether bytes could be text: no NUL and almost no control bytes other than tab and line breaks."""
    if b"\x00" in head:
        return False
    return (len(head) - len(head.translate(None, _OTHER_CONTROLS))) * 100 <= len(head)


def _binary(name: str) -> SpecError:
    """Build the error for binary content."""
    return SpecError(f"{name}: the file is binary data, not a JSON, YAML, GraphQL, Postman or Markdown document; upload the spec as text.")


def detect(name: str, text: str, limits: SpecLimits = DEFAULT_LIMITS) -> tuple[SpecFormat, Any]:
    """Return the format of a text document and its loaded data (None for SDL and prose).

    JSON/YAML wins only when it loads and classifies as a spec, or when the file plainly means to be
    one (then its syntax error is the useful answer); anything else is read as Markdown or plain text.
    A loaded document over the `limits` is refused here, before any parser walks it.
    """
    stripped = text.lstrip()
    if not stripped:
        raise SpecError(f"{name}: the file is empty; upload a spec with content.")
    if stripped[0] in "{[":
        return _structured(name, text, load_json, lambda: _means_json(name, stripped), limits)
    if _looks_like_sdl(stripped):
        return SpecFormat.GRAPHQL, None
    if _SPEC_LINE.search(text) or _mostly_yaml(text):
        return _structured(name, text, load_yaml, lambda: _means_yaml(name, text), limits)
    return SpecFormat.MARKDOWN, None


def _structured(name: str, text: str, load: Callable[[str, str], Any],
                intended: Callable[[], bool], limits: SpecLimits) -> tuple[SpecFormat, Any]:
    """Load and classify JSON/YAML; without a clear intent, failures fall back to prose."""
    try:
        data = load(name, text)
    except SpecError:
        if intended():
            raise
        return SpecFormat.MARKDOWN, None
    fmt = _classified(name, data, intended)
    if fmt is not None:
        check_counts(name, fmt, data, limits)  # cheap, so a million operations are refused before any walk
    check_shape(name, data, limits)  # a bomb or runaway nesting is refused whatever the intent
    return (fmt, data) if fmt is not None else (SpecFormat.MARKDOWN, None)


def _classified(name: str, data: Any, intended: Callable[[], bool]) -> SpecFormat | None:
    """Return the spec format of loaded data, or None when it is prose; a file meant as a spec raises instead."""
    if not isinstance(data, (dict, list)):
        return None
    try:
        return classify(name, data)
    except SpecError:
        if intended():
            raise
        return None


def _means_json(name: str, stripped: str) -> bool:
    """Tell whether text starting with `{`/`[` is meant as JSON (a `.json` name or a JSON-shaped opening)."""
    return name.lower().endswith(_JSON_EXT) or bool(_JSON_START.match(stripped))


def _means_yaml(name: str, text: str) -> bool:
    """Tell whether text is meant as a YAML spec: a `.yaml` name or a top-level `openapi:`/`swagger:` key outside code fences."""
    if name.lower().endswith(_YAML_EXT):
        return True
    fence = ""
    for line in text.splitlines():
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1)[0] == fence[0]):
            fence = "" if fence else marker.group(1)
        elif not fence and _SPEC_LINE.match(line):
            return True
    return False


def _mostly_yaml(text: str) -> bool:
    """Tell whether most non-blank, non-comment lines are YAML `key:` lines (prose and bullets are not)."""
    lines = [ln for ln in text.splitlines()[:300] if ln.strip() and not ln.lstrip().startswith("#")]
    keyed = sum(1 for ln in lines if _KEY_LINE.match(ln))
    return bool(lines) and keyed * 2 > len(lines)


def _first_content_line(text: str) -> str:
    """Return the first line that is not blank or a comment."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return ""


def _looks_like_sdl(text: str) -> bool:
    """Tell GraphQL SDL from YAML and prose: it starts with a definition (or description) and has type blocks."""
    if _SPEC_LINE.search(text) or not _SDL_START.match(_first_content_line(text)):
        return False
    return bool(_SDL_BLOCK.search(text))


def may_be_postman(text: str) -> bool:
    """Cheaply tell whether a document could be a Postman collection (an `item` list), without loading it."""
    if text.lstrip()[:1] in ("{", "["):
        return bool(_POSTMAN_JSON.search(text))
    return not _SPEC_LINE.search(text) and bool(_POSTMAN_YAML.search(text))


def classify(name: str, data: Any) -> SpecFormat:
    """Classify loaded JSON/YAML data as OpenAPI, Swagger, Postman or GraphQL introspection."""
    if isinstance(data, dict):
        if "openapi" in data:
            version = str(data.get("openapi")).strip()
            return SpecFormat.OPENAPI_30 if version.startswith("3.0") else SpecFormat.OPENAPI_31
        if "swagger" in data:
            return SpecFormat.SWAGGER_20
        if is_postman(data):
            return SpecFormat.POSTMAN
        if "__schema" in data or isinstance(data.get("data"), dict) and "__schema" in data["data"]:
            return SpecFormat.GRAPHQL
    raise SpecError(f"{name}: the document at # has no 'openapi', 'swagger', Postman 'info'/'item' or GraphQL '__schema' key, so it is not a spec this app reads; upload an OpenAPI, Swagger, Postman or GraphQL file.")


def is_postman(data: dict[str, Any]) -> bool:
    """Tell whether a mapping is a Postman collection (v2.0/v2.1, or wrapped in `collection`)."""
    if isinstance(data.get("collection"), dict):
        data = data["collection"]
    info = data.get("info")
    if not isinstance(info, dict):
        return False
    schema = str(info.get("schema", ""))
    return "postman" in schema.lower() or "_postman_id" in info or isinstance(data.get("item"), list)
