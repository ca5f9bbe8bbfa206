"""No `javascript:`/`data:`/`vbscript:` link survives `safe_markdown`, checked by rendering with a permissive CommonMark renderer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from src.core.security import safe_markdown
from tests.markdown_tricks import FORMS, PAYLOADS, SCHEMES, hostile, is_dangerous, link_targets, stream_in_pieces

def test_the_backtick_trick_loses_its_target():
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


@settings(deadline=None)  # rendering is slow on a busy machine; tests never assert timings
@given(st.sampled_from(FORMS), st.sampled_from(SCHEMES), st.sampled_from(PAYLOADS),
       st.text(max_size=40), st.text(max_size=40))
def test_any_trick_in_any_text_renders_without_dangerous_targets(form, scheme, payload, before, after):
    text = before + hostile(form, scheme, payload) + after
    assert not any(is_dangerous(t) for t in link_targets(safe_markdown(text)))


@settings(deadline=None)
@given(st.sampled_from(FORMS), st.sampled_from(SCHEMES), st.sampled_from(PAYLOADS), st.integers(0, 10_000))
def test_streamed_tricks_equal_the_whole_text_and_stay_safe(form, scheme, payload, seed):
    text = "Intro line\n" + hostile(form, scheme, payload) + " tail"
    streamed = stream_in_pieces(text, seed, 7)
    assert streamed == safe_markdown(text)
    assert not any(is_dangerous(t) for t in link_targets(streamed))
