"""No `javascript:`/`data:`/`vbscript:` link survives `safe_markdown`, checked by rendering with a permissive CommonMark renderer."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from src.core.security import safe_markdown
from tests.test_security_markdown import stream_in_pieces

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


def test_the_backtick_trick_from_the_report_loses_its_target():
    out = safe_markdown("[a](javascript:alert`1`)")
    assert not any(is_dangerous(t) for t in link_targets(out))
    assert link_targets("[a](javascript:alert`1`)") == ["javascript:alert%601%60"]  # the renderer would link it


def test_every_form_scheme_and_payload_loses_its_target():
    failures = []
    for form in FORMS:
        for scheme in SCHEMES:
            for payload in PAYLOADS:
                text = hostile(form, scheme, payload)
                bad = [t for t in link_targets(safe_markdown(text)) if is_dangerous(t)]
                if bad:
                    failures.append((text, bad))
    assert failures == []


def test_the_raw_tricks_are_dangerous_before_sanitising():
    """The checker is not vacuous: without `safe_markdown` many of these forms do link to a dangerous target."""
    raw = [hostile(f, s, "alert(1)") for f in FORMS[:8] for s in SCHEMES[:8]]
    assert sum(any(is_dangerous(t) for t in link_targets(text)) for text in raw) > 20


def test_safe_links_and_ordinary_prose_are_kept():
    out = safe_markdown("See [docs](https://example.com/a) and ![logo](/img/logo.png). Returns data: an array.")
    assert link_targets(out) == ["https://example.com/a", "/img/logo.png"]
    assert "Returns data: an array." in out
    assert safe_markdown("Use `javascript:void(0)` in the href.") == "Use `javascript:void(0)` in the href."


@given(st.sampled_from(FORMS), st.sampled_from(SCHEMES), st.sampled_from(PAYLOADS),
       st.text(max_size=40), st.text(max_size=40))
def test_any_trick_in_any_text_renders_without_dangerous_targets(form, scheme, payload, before, after):
    text = before + hostile(form, scheme, payload) + after
    assert not any(is_dangerous(t) for t in link_targets(safe_markdown(text)))


@given(st.sampled_from(FORMS), st.sampled_from(SCHEMES), st.sampled_from(PAYLOADS), st.integers(0, 10_000))
def test_streamed_tricks_equal_the_whole_text_and_stay_safe(form, scheme, payload, seed):
    text = "Intro line\n" + hostile(form, scheme, payload) + " tail"
    streamed = stream_in_pieces(text, seed, 7)
    assert streamed == safe_markdown(text)
    assert not any(is_dangerous(t) for t in link_targets(streamed))
