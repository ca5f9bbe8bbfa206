"""Human-readable terminal output for the CLI: control characters neutralised, Markdown escapes removed."""

from __future__ import annotations

import re
import sys
from typing import TextIO

from src.core.security import terminal_text

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# CommonMark's backslash escapes: a backslash before ASCII punctuation shows the punctuation itself.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE_SPAN = re.compile(r"(`+).+?\1")


def show(text: object = "", *, err: bool = False, end: str = "\n") -> None:
    """Print one piece of human-readable output with terminal control characters neutralised."""
    stream: TextIO = sys.stderr if err else sys.stdout
    stream.write(terminal_text(text) + end)
    stream.flush()


def plain_line(line: str) -> str:
    """Remove Markdown backslash escapes from one prose line; code spans keep their backslashes."""
    parts, last = [], 0
    for span in _CODE_SPAN.finditer(line):
        parts += [_ESCAPE.sub(r"\1", line[last:span.start()]), span.group(0)]
        last = span.end()
    parts.append(_ESCAPE.sub(r"\1", line[last:]))
    return "".join(parts)


class TerminalMarkdown:
    """Turn streamed Markdown into terminal text: escapes removed outside code, fenced code unchanged.

    What it emits, concatenated, is the same however the text was split: a partial line is emitted only
    up to a point where no escape or code span can still be open.
    """

    def __init__(self) -> None:
        self._line = ""  # the current, incomplete line
        self._sent = 0  # how much of it has been emitted
        self._fence: str | None = None

    def feed(self, delta: str) -> str:
        """Take the next piece of the answer and return what can be shown now."""
        self._line += delta
        out = []
        while "\n" in self._line:
            line, self._line = self._line.split("\n", 1)
            out.append(self._finish(line) + "\n")
        out.append(self._partial())
        return "".join(out)

    def flush(self) -> str:
        """Return whatever is left at the end of the stream."""
        rest = self._finish(self._line) if self._line else ""
        self._line = ""
        return rest

    def _finish(self, line: str) -> str:
        """Convert the rest of one complete line, tracking code fences."""
        sent, self._sent = self._sent, 0
        if sent:
            rest = line[sent:]
            return rest if self._fence is not None else plain_line(rest)
        fence = _FENCE.match(line)
        if self._fence is not None:
            if fence and fence.group(1)[0] == self._fence[0] and len(fence.group(1)) >= len(self._fence):
                self._fence = None
            return line
        if fence:
            self._fence = fence.group(1)
            return line
        return plain_line(line)

    def _partial(self) -> str:
        """Emit the settled prefix of the incomplete line, so the answer still streams word by word."""
        line = self._line
        if len(line.lstrip()) < 4 or line.lstrip()[0] in "`~":
            return ""  # could still become a code fence
        if self._fence is not None:
            end = len(line)
        else:
            tick = line.find("`", self._sent)  # a code span may be opening: hold back until the line ends
            end = len(line) if tick < 0 else tick
            while end > self._sent and line[end - 1] == "\\":
                end -= 1  # an escape may be split across pieces
        chunk = line[self._sent:end]
        self._sent = max(self._sent, end)
        return chunk if self._fence is not None else plain_line(chunk)
