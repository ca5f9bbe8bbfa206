"""The language registry: one entry per target, naming its template, its literal writers and its label."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from src.rag.codegen import literals as lit
from src.rag.codegen import quoting as q
from src.rag.codegen import chain_targets, targets
from src.rag.codegen.chain import ChainModel
from src.rag.codegen.request import RequestModel


def _disposition(name: Any) -> str:
    """Percent-encode what a multipart field name cannot hold inside Content-Disposition's quotes."""
    return str(name).replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


@dataclass(frozen=True)
class Language:
    """One target language: how its samples are written and shown."""

    key: str
    label: str
    template: str
    fence: str  # the Markdown/highlighter name
    aliases: tuple[str, ...] = ()
    # Jinja filters: `s` quotes a string, `lit` writes a JSON-like value, `comment` makes a one-line comment.
    filters: dict[str, Callable[..., str]] = field(default_factory=dict)
    # Builders of extra template context beyond the shared wire view (see src.rag.codegen.targets).
    extras: tuple[Callable[[RequestModel], dict[str, Any]], ...] = ()
    # The same for the chained multi-step script (see src.rag.codegen.chain_targets).
    chain_extras: tuple[Callable[[ChainModel], dict[str, Any]], ...] = ()

    @property
    def chain_template(self) -> str:
        """Return the template of the chained multi-step script: the same name under ``templates/chain/``."""
        return "chain/" + self.template


_JS = {"s": q.js_str, "lit": q.js_lit, "comment": q.comment}

LANGUAGES: dict[str, Language] = {lang.key: lang for lang in (
    Language("curl", "curl", "curl.sh.j2", "bash", ("shell", "bash", "sh"), {"s": q.sh, "comment": q.comment},
             chain_extras=(chain_targets.curl_chain_context,)),
    Language("python", "Python (requests)", "python.py.j2", "python", ("py", "python3", "requests"),
             {"s": q.py_str, "lit": q.py_lit, "comment": q.comment}),
    Language("javascript", "JavaScript (fetch)", "javascript.js.j2", "javascript",
             ("js", "node", "nodejs", "node.js", "fetch"), _JS),
    Language("typescript", "TypeScript (fetch)", "typescript.ts.j2", "typescript", ("ts",),
             _JS, (targets.ts_context,)),
    Language("go", "Go (net/http)", "go.go.j2", "go", ("golang",),
             {"s": lit.go_str, "lit": lit.go_lit, "comment": q.comment, "pick": chain_targets.go_pick},
             (targets.go_context,), (chain_targets.go_chain_context,)),
    Language("java", "Java (HttpClient)", "java.java.j2", "java", ("java17",),
             {"s": lit.java_str, "comment": lit.java_comment, "text_block": lit.java_text_block,
              "disposition": _disposition, "sendable": lit.java_headers}, (targets.java_context,)),
    Language("csharp", "C# (HttpClient)", "csharp.cs.j2", "csharp", ("c#", "cs", "dotnet", ".net"),
             {"s": lit.csharp_str, "comment": q.comment, "verbatim": lit.csharp_verbatim,
              "disposition": _disposition}, (targets.csharp_context,)),
    Language("php", "PHP (curl)", "php.php.j2", "php", (),
             {"s": lit.php_str, "lit": lit.php_lit, "comment": lit.php_comment}),
    Language("ruby", "Ruby (Net::HTTP)", "ruby.rb.j2", "ruby", ("rb",),
             {"s": lit.ruby_str, "lit": lit.ruby_lit, "comment": q.comment}),
    Language("powershell", "PowerShell (Invoke-RestMethod)", "powershell.ps1.j2", "powershell",
             ("pwsh", "ps", "ps1"), {"s": lit.ps_str, "lit": lit.ps_lit, "comment": q.comment},
             (targets.media_context,)),
    Language("httpie", "HTTPie", "httpie.sh.j2", "bash", ("http",), {"s": q.sh, "comment": q.comment},
             (targets.httpie_context,), (chain_targets.httpie_chain_context,)),
)}

ALIASES: dict[str, str] = {alias: lang.key for lang in LANGUAGES.values() for alias in (lang.key, *lang.aliases)}
