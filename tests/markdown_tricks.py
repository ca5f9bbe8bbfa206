"""Markdown link tricks and the checks that render them: a permissive CommonMark renderer and a browser's view of a target."""

from __future__ import annotations

import html
import random
import re
from html.parser import HTMLParser
from urllib.parse import unquote

from markdown_it import MarkdownIt

from src.core.security import StreamSanitizer

DANGEROUS = ("javascript:", "vbscript:", "data:")


def permissive_renderer() -> MarkdownIt:
    """A CommonMark renderer that, like many, renders every link target it is given."""
    md = MarkdownIt("commonmark")
    md.validateLink = lambda url: True
    return md


RENDER = permissive_renderer()


class _Targets(HTMLParser):
    """Collect every href and src of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.targets += [value or "" for name, value in attrs if name in ("href", "src")]


def link_targets(markdown: str) -> list[str]:
    """Render Markdown and return its link and image targets."""
    parser = _Targets()
    parser.feed(RENDER.render(markdown))
    return parser.targets


def is_dangerous(target: str) -> bool:
    """Tell whether a browser would run or embed the target: it strips controls and tabs/newlines before the scheme."""
    probe = unquote(html.unescape(target))
    probe = re.sub(r"[\t\n\r]", "", probe).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                   "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    probe = re.sub(r"[\x00-\x1f]", "", probe).lower()
    return probe.startswith(DANGEROUS)


SCHEMES = [
    "javascript:", "JaVaScRiPt:", "&#106;avascript:", "&#x6A;avascript:", "jav&#97;script:", "javascript&colon;",
    "javascript&#58;", "javascript&#x3a;", "java&Tab;script:", "java\x01script:", "java\tscript:", "javascript\\:",
    "vbscript:", "VBScript:", "data:", "DATA:", "d&#97;ta:", " javascript:",
]
PAYLOADS = ["alert`1`", "alert(1)", "alert(document.cookie)", "text/html,<script>alert(1)</script>",
            "image/svg+xml;base64,PHN2Zz4=", "x"]
FORMS = [
    "[a]({u})", "![i]({u})", "[a](<{u}>)", "<{u}>", "[a]({u} \"title\")", "[a][r]\n\n[r]: {u}", "![i][r]\n\n[r]: {u}",
    "[a](\n{u})", "[r]:\n  {u}\n\n[a][r]", "[a](  {u}  )", "* item [a]({u})", "> quote [a]({u})",
    "| t |\n|---|\n| [a]({u}) |", "<a href=\"{u}\">a</a>", "[![i](x.png)]({u})", "**[a]({u})**",
]


def hostile(form: str, scheme: str, payload: str) -> str:
    """Build one link trick."""
    return form.replace("{u}", scheme + payload)


def feed_in_pieces(streamer, text: str, seed: int, longest: int = 9) -> list[str]:
    """Feed text to a streaming converter (`feed`/`flush`) in random pieces; return what each call emitted."""
    rng, pieces, i = random.Random(seed), [], 0
    while i < len(text):
        n = rng.randint(1, longest)
        pieces.append(streamer.feed(text[i:i + n]))
        i += n
    pieces.append(streamer.flush())
    return pieces


def stream_in_pieces(text: str, seed: int, longest: int = 9) -> str:
    """Feed text to a `StreamSanitizer` in random pieces and return everything it emitted."""
    return "".join(feed_in_pieces(StreamSanitizer(), text, seed, longest))
