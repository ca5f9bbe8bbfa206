"""structlog setup: JSON lines in production, readable console output in development."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

from src.core.security import terminal_text

_SECRET_KEYS = re.compile(r"(api[_-]?key|token|secret|password|authorization)", re.IGNORECASE)
_configured = False


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """Blank out values whose key names a secret, so no secret reaches a log line."""
    for key in list(event):
        if key != "event" and _SECRET_KEYS.search(key):
            event[key] = "***"
    return event


class _StderrLogger:
    """Writes each rendered event to whatever `sys.stderr` is at that moment (it may be swapped at run time).

    Logged values can hold spec or model text, so terminal control sequences are removed from each line.
    """

    def msg(self, message: str) -> None:
        print(terminal_text(message), file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


def configure_logging(production: bool = False, level: str = "INFO", force: bool = False) -> None:
    """Configure structlog once per process (again with `force`); logs go to stderr so CLI output stays clean."""
    global _configured
    if _configured and not force:
        return
    renderer: Any = structlog.processors.JSONRenderer() if production else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *_: _StderrLogger(),
        cache_logger_on_first_use=False,  # so a later reconfiguration reaches module-level loggers
    )
    _configured = True


def get_logger(name: str) -> Any:
    """Return a bound logger for a module."""
    return structlog.get_logger(name)
