"""Process-wide resources (one per data directory) and per-browser-session state of the Streamlit app."""

from __future__ import annotations

import gc
import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import streamlit as st

from pydantic import SecretStr

from src.core.config import LLMProviderKind, Settings, load_settings
from src.core.errors import AppError
from src.core.logging import get_logger
from src.core.ratelimit import RateLimiter
from src.rag.conversations import ConversationStore
from src.rag.api_names import ApiNames
from src.rag.jobs import IngestJobs
from src.rag.library import ApiInfo
from src.rag.service import Assistant

log = get_logger("app")
SESSION_PARAM = "sid"
CONVERSATION_PARAM = "c"
# The browser's id lives in a first-party cookie, so the bare URL finds the same conversations again.
SESSION_COOKIE = "apiassist_sid"
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest lifetime browsers accept
_SID = re.compile(r"^[a-f0-9]{32}$")


# --- process-wide resources (st.cache_resource keyed by data directory, so tests on temp dirs stay apart) ---------
def settings() -> Settings:
    """Return the settings of the current environment (parsed again only when an APIASSIST_ variable changed)."""
    # A page calls this a few dozen times per run and parsing costs ~20 ms each time; keyed by the variables
    # themselves, so a changed environment (a test's monkeypatch, say) still takes effect at once.
    return _settings(tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("APIASSIST_"))))


@lru_cache(maxsize=8)
def _settings(_environment: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings()


@st.cache_resource(show_spinner=False)
def _assistant(data_dir: str) -> Assistant:
    return Assistant(load_settings(data_dir=data_dir))


@st.cache_resource(show_spinner=False)
def _conversations(data_dir: str) -> ConversationStore:
    return ConversationStore(load_settings(data_dir=data_dir).data_dir)


@st.cache_resource(show_spinner=False)
def _limiter(per_minute: float, burst: int) -> RateLimiter:
    return RateLimiter(per_minute, burst)


def assistant() -> Assistant:
    """Return the one Assistant of this process for the configured data directory."""
    return _assistant(str(settings().data_dir))


def conversations() -> ConversationStore:
    """Return the conversation store of the configured data directory."""
    return _conversations(str(settings().data_dir))


@st.cache_resource(show_spinner=False)
def _jobs(data_dir: str) -> IngestJobs:
    return IngestJobs(_assistant(data_dir).index_upload)


def jobs() -> IngestJobs:
    """Return the background ingest jobs of this process (uploads are indexed off the page's thread)."""
    return _jobs(str(settings().data_dir))


@st.cache_data(show_spinner=False, max_entries=256)
def _suggestions(data_dir: str, api: str, indexed_at: float) -> list[str]:
    from src.rag.suggestions import suggested_questions

    return suggested_questions(_assistant(data_dir), api)


def suggestions(api: str) -> list[str]:
    """Return the verified suggested questions of one API (cached until it is re-indexed)."""
    info = assistant().get_api(api)
    return _suggestions(str(settings().data_dir), api, info.indexed_at)


@st.cache_resource(show_spinner=False, max_entries=8)
def _document(data_dir: str, api: str, indexed_at: float) -> Any:
    from src.rag.tryit import load_document

    name, data = _assistant(data_dir).original_file(api)
    return load_document(name, data)


def spec_document(api: str) -> Any:
    """Return the raw document of a single-file JSON/YAML spec (None otherwise), cached per index time."""
    info = assistant().get_api(api)
    return _document(str(settings().data_dir), api, info.indexed_at)


def _api_names(data_dir: str) -> ApiNames:
    return _assistant(data_dir).names  # the assistant's own: a rename reaches its ranking at once


@st.cache_data(show_spinner=False, max_entries=64)
def _named_apis(data_dir: str, library_version: int, names_version: int) -> list[ApiInfo]:
    return _api_names(data_dir).named(_assistant(data_dir).list_apis())


def apis() -> list[ApiInfo]:
    """Return the library with display names, read once per library version (not on every rerun)."""
    data_dir = str(settings().data_dir)
    return _named_apis(data_dir, assistant().library.version(), _api_names(data_dir).version)


def rename_api(api: str, title: str) -> str:
    """Give an API a display name (blank restores the spec's title)."""
    return _api_names(str(settings().data_dir)).rename(api, title)


def api_title(api: str) -> str:
    """Return the display name of one API (its id when it is no longer in the library)."""
    return next((i.title for i in apis() if i.api == api), api)


def limiter() -> RateLimiter:
    """Return the per-session rate limiter configured by APIASSIST_RATE_LIMIT_PER_MINUTE / _BURST."""
    s = settings()
    return _limiter(s.rate_limit_per_minute, s.rate_limit_burst)


# --- background model load ---------------------------------------------------------------------------------
@dataclass
class Warmup:
    """The embedding model loading in a background thread, so the first page never waits for it."""

    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)


def _load(helper: Assistant, warm: Warmup) -> None:
    try:
        helper.embedder.load()
    except AppError as err:
        warm.error = str(err)
    finally:
        warm.done.set()
    _prepare(helper)


def _prepare(helper: Assistant) -> None:
    """Do now what the first visit of a page would otherwise wait for: open the index, compile code templates."""
    from src.rag.codegen.render import compile_templates

    try:
        helper.store.count()  # imports ChromaDB (seconds) and opens the collection
        compile_templates()
    except Exception as err:  # a page that needs these reports the failure itself, in one sentence
        log.warning("app.prepare_failed", error=type(err).__name__)
    _freeze_startup_objects()


@cache
def _freeze_startup_objects() -> None:
    """Keep Python's automatic full collections off what lives as long as the process (once per process).

    The model, the libraries and the index would otherwise be scanned by every full collection, 0.1-0.4 s
    each, whenever a page run happens to trigger one.
    """
    gc.collect()
    gc.freeze()


@st.cache_resource(show_spinner=False)
def _warmup(data_dir: str) -> Warmup:
    warm = Warmup()
    threading.Thread(target=_load, args=(_assistant(data_dir), warm), name="model-warmup", daemon=True).start()
    return warm


def warmup() -> Warmup:
    """Start loading the embedding model once per process (returns at once) and report its state."""
    return _warmup(str(settings().data_dir))


# --- who is this session? ------------------------------------------------------------------------------
def _signed_in_user() -> str:
    """Return the signed-in user's stable id when Streamlit's OIDC login is configured, else ''."""
    try:
        if not st.user.get("is_logged_in"):
            return ""
        ident = st.user.get("email") or st.user.get("sub") or ""
    except (AttributeError, KeyError, AppError):
        return ""
    return f"user:{ident}" if ident else ""


def owner() -> str:
    """Return the owner of this session's conversations: the signed-in user, else this browser's id."""
    user = _signed_in_user()
    if user:
        st.session_state["owner"] = user
        return user
    sid = st.session_state.get("sid") or _browser_sid()
    st.session_state["sid"] = sid
    st.session_state["owner"] = f"session:{sid}"
    return st.session_state["owner"]


def _browser_sid() -> str:
    """Return the id in this browser's cookie, else one from a shared `?sid=` link, else a new id."""
    cookie = str(st.context.cookies.get(SESSION_COOKIE) or "")
    if _SID.match(cookie):
        return cookie
    linked = str(st.query_params.get(SESSION_PARAM, ""))
    sid = linked if _SID.match(linked) else uuid.uuid4().hex
    st.session_state["sid_cookie_pending"] = True  # written by remember_browser() once the page renders
    return sid


def remember_browser() -> None:
    """Store this session's id in a first-party cookie the first time a browser is seen."""
    if not st.session_state.pop("sid_cookie_pending", False):
        return
    sid = st.session_state["sid"]
    # The id is a random 32-hex token, so it needs no quoting; JavaScript is the only way to set a cookie here.
    st.html(f"<script>document.cookie = '{SESSION_COOKIE}={sid}; path=/; max-age={COOKIE_MAX_AGE_S}; "
            "SameSite=Lax';</script>", unsafe_allow_javascript=True, width=1)


# --- per-session preferences -----------------------------------------------------------------------------
PREF_KEYS = ("provider", "model", "temperature", "top_k", "apis", "base_url", "languages")
# The session's LLM key lives only in this browser session's memory: never saved, never logged.
SESSION_KEY = "llm_api_key"


def prefs() -> dict[str, Any]:
    """Return this owner's saved preferences (provider, model, temperature, top_k, apis), loaded once."""
    who = st.session_state.get("owner") or owner()
    if st.session_state.get("prefs_owner") != who:
        st.session_state["prefs"] = conversations().load_settings(who)
        st.session_state["prefs_owner"] = who
    return st.session_state["prefs"]


def save_prefs(**values: Any) -> None:
    """Update and persist this owner's preferences."""
    current = dict(prefs())
    current.update({k: v for k, v in values.items() if k in PREF_KEYS})
    conversations().save_settings(st.session_state["owner"], current)
    st.session_state["prefs"] = current


def session_settings() -> Settings:
    """Return the process settings with this session's provider, model, temperature, URL and key applied."""
    base, chosen = settings(), prefs()
    update: dict[str, Any] = {}
    if chosen.get("provider") in {k.value for k in LLMProviderKind}:
        update["llm_provider"] = LLMProviderKind(chosen["provider"])  # model_copy does not validate
    if chosen.get("model"):
        update["llm_model"] = chosen["model"]
    if chosen.get("temperature") is not None:
        update["llm_temperature"] = float(chosen["temperature"])
    if chosen.get("base_url"):
        update["llm_base_url"] = chosen["base_url"]
    if st.session_state.get(SESSION_KEY):
        update["llm_api_key"] = SecretStr(st.session_state[SESSION_KEY])
    return base.model_copy(update=update) if update else base


def provider_problem(chosen: Settings) -> str:
    """Return why the chosen provider cannot be used as configured (one sentence), or ''."""
    if chosen.llm_provider == LLMProviderKind.OFFLINE or chosen.llm_base_url.strip():
        return ""
    if chosen.llm_provider == LLMProviderKind.OPENAI:
        # An empty URL would make the client call the public OpenAI address without the user asking for it.
        return ("Set a base URL for the OpenAI-compatible server (https://api.openai.com/v1 for OpenAI "
                "itself); until then answers are composed offline.")
    return "Set the Ollama server's base URL (e.g. http://localhost:11434); until then answers are composed offline."


@st.cache_resource(show_spinner=False, max_entries=32)
def _router(provider: str, model: str, temperature: float, base_url: str, api_key: str, data_dir: str) -> Any:
    from src.rag.generation.router import GenerationRouter

    # Built through load_settings so the choices are validated like environment values.
    return GenerationRouter.from_settings(load_settings(
        data_dir=data_dir, llm_provider=provider, llm_model=model, llm_temperature=temperature,
        llm_base_url=base_url, llm_api_key=api_key or None))


def router() -> Any:
    """Return the router for this session's choices, or None when they equal the server defaults."""
    base, chosen = settings(), session_settings()
    fields = ("llm_provider", "llm_model", "llm_temperature", "llm_base_url", "llm_api_key")
    if all(getattr(chosen, f) == getattr(base, f) for f in fields):
        return None
    if provider_problem(chosen):
        return _router(LLMProviderKind.OFFLINE.value, "", chosen.llm_temperature, "", "", str(base.data_dir))
    # Cached per choice, so each provider's circuit breaker keeps its state across reruns.
    return _router(chosen.llm_provider.value, chosen.llm_model, chosen.llm_temperature, chosen.llm_base_url,
                   chosen.llm_api_key.get_secret_value(), str(base.data_dir))


def top_k() -> int | None:
    """Return this session's top-k, or None for the server default."""
    value = prefs().get("top_k")
    return int(value) if value else None
