"""Find and replace secrets (tokens, keys, passwords) with named placeholders before anything is stored."""

from __future__ import annotations

import re
from typing import Any

SECRET_NAME = re.compile(r"(?i)(token|secret|passw(or)?d|passwd|pwd|api[-_]?key|apikey|access[-_]?key|private[-_]?key|"
                         r"client[-_]?secret|authorization|(^|[-_])auth([-_]|$)|credential|session[-_]?id|cookie|signature|^key$|[-_]key$)")
_PLACEHOLDER = re.compile(r"^\s*(\{\{[^{}]+\}\}|<[^<>]+>|\$\{?[A-Za-z_][\w]*\}?|:[A-Za-z_]\w*|\*+|x+|\.\.\.)?\s*$", re.IGNORECASE)
_KNOWN_TOKEN = re.compile(
    r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\bAKIA[0-9A-Z]{16}\b|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|\bAIza[0-9A-Za-z_-]{30,}"
)
_AUTH_VALUE = re.compile(r"(?i)\b(bearer|basic|token|digest)\s+(?!\{\{)([A-Za-z0-9\-._~+/]{8,}=*)")
# A `{{placeholder}}` value is matched whole so that redacting already redacted text changes nothing.
_KEY_VALUE = re.compile(r"""(?i)((?:passw(?:or)?d|secret|token|api[-_]?key|access[-_]?key|client[-_]?secret)["']?\s*[:=]\s*["']?)"""
                        r"""(\{\{[^{}]*\}\}|[^"'\s&,;}]{4,})""")
_OPAQUE = re.compile(r"^[A-Za-z0-9\-._~+/=]{24,}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def placeholder(name: str) -> str:
    """Return the placeholder that stands for a secret named `name`, e.g. `{{API_KEY}}`."""
    clean = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "SECRET"
    return "{{" + clean + "}}"


def is_placeholder(value: str) -> bool:
    """Tell whether a value is already a variable reference or an obvious dummy, not a secret."""
    return bool(_PLACEHOLDER.match(value))


def looks_like_token(value: str) -> bool:
    """Tell whether a value looks like a credential: a known token format or a long opaque string."""
    value = value.strip()
    if _KNOWN_TOKEN.search(value):
        return True
    if _UUID.match(value) or value.count("-") >= 3 and not any(c.isupper() for c in value):
        return False
    return bool(_OPAQUE.match(value)) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value) and " " not in value


class Redactor:
    """Replaces secrets with placeholders and remembers each literal it removed."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.count = 0

    def _take(self, value: str, name: str) -> str:
        """Record a removed literal and return its placeholder."""
        self.secrets.add(value)
        self.count += 1
        return placeholder(name)

    def value(self, name: str, value: Any) -> Any:
        """Redact a named value when the name says secret or the value looks like a token."""
        if not isinstance(value, str) or not value.strip() or is_placeholder(value):
            return value
        if SECRET_NAME.search(name or ""):
            scheme = re.match(r"(?i)\s*(bearer|basic|token|digest)\s+(.+)$", value)
            if scheme and not is_placeholder(scheme.group(2)):
                self.secrets.add(scheme.group(2).strip())
                self.count += 1
                return f"{scheme.group(1)} {placeholder('ACCESS_TOKEN' if scheme.group(1).lower() != 'basic' else 'BASIC_CREDENTIALS')}"
            return value if scheme else self._take(value, name)
        if looks_like_token(value):
            return self._take(value, name or "SECRET")
        return self.text(value)

    def text(self, text: str) -> str:
        """Redact credentials embedded in free text (Bearer headers, known token formats)."""
        if not isinstance(text, str) or not text:
            return text

        def auth(m: re.Match[str]) -> str:
            """Replace the credential of an `Authorization`-style value."""
            self.secrets.add(m.group(2))
            self.count += 1
            return f"{m.group(1)} {placeholder('ACCESS_TOKEN')}"

        def known(m: re.Match[str]) -> str:
            """Replace a token in a known vendor format."""
            return self._take(m.group(0), "API_KEY")

        def pair(m: re.Match[str]) -> str:
            """Replace the value of a `password=...`-style pair."""
            return m.group(0) if is_placeholder(m.group(2)) else m.group(1) + self._take(m.group(2), "SECRET")

        return _KEY_VALUE.sub(pair, _KNOWN_TOKEN.sub(known, _AUTH_VALUE.sub(auth, text)))

    def data(self, value: Any, name: str = "", depth: int = 0) -> Any:
        """Redact a JSON-like value: string values under secret-named keys, token-looking strings anywhere."""
        if depth > 32:
            return None
        if isinstance(value, dict):
            return {k: self.data(v, str(k), depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v, name, depth + 1) for v in value]
        if isinstance(value, str):
            return self.value(name, value)
        return value

    def scrub(self, text: str) -> str:
        """Remove any remembered secret literal that still appears in a text."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= 4 and secret in text:
                text = text.replace(secret, placeholder("SECRET"))
        return text

    def warning(self) -> list[str]:
        """Say how many secrets were replaced by placeholders."""
        if not self.count:
            return []
        return [f"{self.count} secret value(s) (tokens, keys, passwords) were replaced by placeholders such as {{{{API_KEY}}}} and are not stored."]
