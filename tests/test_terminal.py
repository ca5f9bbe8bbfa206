"""Terminal text: control sequences removed wherever they hide, Markdown escapes dropped however the text streams."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.terminal import TerminalMarkdown, plain_line
from src.core.security import terminal_text
from tests.markdown_tricks import feed_in_pieces

SEQUENCES = ["\x1b]0;title\x07", "\x1b]0;title\x1b\\", "\x1b]8;;https://evil.example/\x1b\\", "\x1b[2J", "\x1b[H",
             "\x1b[31m", "\x1b[1A", "\x9b2J", "\x9d0;t\x9c", "\x1bP1$r\x1b\\", "\x07", "\x08", "\x1b", "\x1b]0;unterminated",
             "\x7f", "\x85", "\u202e", "\u2066", "\r"]


def test_each_sequence_is_removed_and_text_kept():
    for seq in SEQUENCES:
        out = terminal_text(f"before {seq}after")
        assert out.startswith("before ") and not any(c in out for c in "\x1b\x07\x08\x9b\x9d\x9c\r\u202e\u2066\x7f\x85")
        # a terminal reads a lone ESC with the next character as one sequence, and an unterminated OSC to the end
        assert out.endswith("after") if seq not in ("\x1b", "\x1b]0;unterminated") else "after" not in out[7:] or out.endswith("fter")


def test_newlines_tabs_and_unicode_survive():
    assert terminal_text("a\tb\nc\r\nd — é 日本") == "a\tb\nc\nd — é 日本"


@given(st.lists(st.one_of(st.sampled_from(SEQUENCES), st.text(max_size=8)), max_size=12))
def test_no_escape_or_bell_byte_survives_any_mix(pieces):
    out = terminal_text("".join(pieces))
    assert "\x1b" not in out and "\x07" not in out and not any(0x80 <= ord(c) <= 0x9f for c in out)


def test_log_lines_are_neutralised(capsys):
    from src.core.logging import configure_logging, get_logger

    configure_logging(False, "INFO", force=True)
    get_logger("test").error("spec.failed", detail="title\x1b]0;pwned\x07here")  # no space: the console prints it bare
    err = capsys.readouterr().err
    assert "spec.failed" in err and "detail=titlehere" in err and "\x1b" not in err and "\x07" not in err


ANSWER = ("Use Python \\(requests\\)\\. Default: 20\\. Minimum: 1\\.\n`a\\.b` keeps its code and \\\\ is one backslash\n"
          "```python\npattern = r\"\\d+\\.\"\n```\n*emphasis* stays, \\*stars\\* show")


def test_markdown_escapes_are_removed_outside_code():
    whole = TerminalMarkdown()
    out = whole.feed(ANSWER) + whole.flush()
    assert out.splitlines()[0] == "Use Python (requests). Default: 20. Minimum: 1."
    assert "`a\\.b` keeps its code and \\ is one backslash" in out
    assert 'pattern = r"\\d+\\."' in out and out.endswith("*emphasis* stays, *stars* show")
    assert plain_line("x \\[y\\] `\\[z\\]`") == "x [y] `\\[z\\]`"


@settings(deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 9))
def test_streaming_in_any_pieces_prints_the_same(seed, longest):
    whole = TerminalMarkdown()
    expected = whole.feed(ANSWER) + whole.flush()
    pieces = feed_in_pieces(TerminalMarkdown(), ANSWER, seed, longest)
    assert "".join(pieces) == expected
    assert len([p for p in pieces if p]) > 3  # it streams, rather than waiting for the end
