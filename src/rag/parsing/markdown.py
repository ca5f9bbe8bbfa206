"""Parse Markdown or plain-text API docs: sections by heading path, fences kept whole, `GET /path` lines as endpoints."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from src.rag.parsing.base import SourceDocument
from src.rag.types import ApiSpec, DocSection, Operation, Parameter, SpecFormat

MAX_SECTION_CHARS = 6000
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_ENDPOINT = re.compile(
    r"(?:^|[\s`*>|(\[])(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+`?((?:https?://[^\s`'\"<>)]+)|/[^\s`'\"<>)]*)", re.MULTILINE
)


@dataclass
class _Section:
    """A section being collected: its heading path, first line number and lines."""

    path: tuple[str, ...]
    line: int
    lines: list[str] = field(default_factory=list)


class MarkdownParser:
    """Parser for Markdown and plain-text documentation."""

    def parse(self, doc: SourceDocument) -> ApiSpec:
        """Split the text into sections and pick up the endpoints it names."""
        sections = _sections(doc.text)
        title = _title(doc.text, doc.name)
        docs = [DocSection(heading_path=s.path or (title,), text=text, pointer=f"#L{line}")
                for s in sections for line, text in _split(s)]
        ops, servers = _endpoints(sections, title)
        warnings = [] if ops else ["No endpoints (lines like 'GET /v1/things') were found; the text is indexed as documentation only."]
        return ApiSpec(title=title, version="0", format=SpecFormat.MARKDOWN, description=_intro(docs),
                       servers=servers, operations=tuple(ops), docs=tuple(d for d in docs if d.text.strip()),
                       warnings=tuple(warnings), source_name=doc.source)


def _sections(text: str) -> list[_Section]:
    """Group lines under their heading path; headings inside fenced code do not count."""
    lines = text.splitlines()
    sections = [_Section((), 1)]
    stack: list[tuple[int, str]] = []
    fence = ""
    for index, line in enumerate(lines):
        marker = _FENCE.match(line)
        if marker and (not fence or (marker.group(1)[0] == fence[0] and len(marker.group(1)) >= len(fence))):
            fence = "" if fence else marker.group(1)
        heading = None if fence or marker else _heading(line, lines[index + 1] if index + 1 < len(lines) else "")
        if heading:
            level, title = heading
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
            sections.append(_Section(tuple(t for _, t in stack), index + 1))
        if sections[-1].lines or line.strip() or heading:
            sections[-1].lines.append(line)
        if heading and _SETEXT.match(lines[index + 1] if index + 1 < len(lines) else "x") and heading[0] <= 2 and not _ATX.match(line):
            sections[-1].lines.append(lines[index + 1])
    return [s for s in sections if any(ln.strip() for ln in s.lines)]


def _heading(line: str, following: str) -> tuple[int, str] | None:
    """Return (level, title) for an ATX heading or a setext heading underlined on the next line."""
    atx = _ATX.match(line)
    if atx:
        return len(atx.group(1)), atx.group(2).strip()
    underline = _SETEXT.match(following)
    if underline and line.strip() and not _SETEXT.match(line) and len(underline.group(1)) >= 3 and not line.lstrip().startswith(("-", "*", ">", "|")):
        return (1 if underline.group(1)[0] == "=" else 2), line.strip()
    return None


def _split(section: _Section) -> list[tuple[int, str]]:
    """Split a long section at blank lines outside fences; a fenced block is never cut."""
    pieces: list[tuple[int, str]] = []
    current: list[str] = []
    start, fence, size = section.line, "", 0
    for offset, line in enumerate(section.lines):
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1)[0] == fence[0]):
            fence = "" if fence else marker.group(1)
        if not fence and not line.strip() and size > MAX_SECTION_CHARS and current:
            pieces.append((start, "\n".join(current).strip()))
            current, size, start = [], 0, section.line + offset + 1
            continue
        current.append(line)
        size += len(line) + 1
    if current:
        pieces.append((start, "\n".join(current).strip()))
    return [p for p in pieces if p[1]]


def _title(text: str, name: str) -> str:
    """Use the first top-level heading, else the first line, else the file name."""
    for line in text.splitlines()[:200]:
        atx = _ATX.match(line)
        if atx and len(atx.group(1)) == 1:
            return atx.group(2).strip()[:120]
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first.lstrip("#").strip()[:120] or name.rsplit(".", 1)[0]


def _intro(docs: list[DocSection]) -> str:
    """Return the start of the first section as the API description."""
    return docs[0].text[:500] if docs else ""


def _endpoints(sections: list[_Section], title: str) -> tuple[list[Operation], tuple[str, ...]]:
    """Find `METHOD /path` mentions; the first mention of an endpoint describes it."""
    found: dict[str, Operation] = {}
    servers: dict[str, None] = {}
    for section in sections:
        body = "\n".join(section.lines)
        for match in _ENDPOINT.finditer(body):
            method, target = match.group(1), match.group(2).rstrip(".,;:`'\"")
            base, path, query = _split_target(target)
            if base:
                servers[base] = None
            if not path or len(path) > 300:
                continue
            op = _operation(method, path, query, section, body, match.start(), title)
            found.setdefault(op.key, op)
    return list(found.values()), tuple(servers)


def _split_target(target: str) -> tuple[str, str, str]:
    """Split `https://host/base/path?q` or `/path?q` into base URL, path and query string."""
    base = ""
    full = re.match(r"(https?://[^/]+)(/.*)?$", target)
    if full:
        base, target = full.group(1), full.group(2) or "/"
    path, _, query = target.partition("?")
    path = re.sub(r"/:([A-Za-z_]\w*)", r"/{\1}", path.split("#", 1)[0])
    return base, path, query


def _operation(method: str, path: str, query: str, section: _Section, body: str, offset: int, title: str) -> Operation:
    """Describe one endpoint found in the docs."""
    line = section.line + body.count("\n", 0, offset)
    params = [Parameter(name=n, location="path", required=True) for n in dict.fromkeys(re.findall(r"\{([^{}/]+)\}", path))]
    params += [Parameter(name=k, location="query", example=v or None) for k, _, v in (p.partition("=") for p in query.split("&")) if k]
    heading = section.path[-1] if section.path else title
    return Operation(method=method, path=path, summary=heading, description=body.strip()[:2000],
                     tags=section.path[:-1], parameters=tuple(params), pointer=f"#L{line}")
