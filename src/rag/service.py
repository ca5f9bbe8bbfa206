"""`Assistant`: the one facade both front ends call (index, remove, list, search, ask, stream, health)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from src.core.cache import EmbeddingCache, SemanticCache
from src.core.config import Settings
from src.core.errors import AppError, NotFound
from src.core.logging import configure_logging, get_logger
from src.core.security import require_question
from src.rag.embedding import SentenceTransformerEmbedder
from src.rag.ingest import Ingestor, Progress, Upload, upload_from_path
from src.rag.keyword import KeywordIndexManager
from src.rag.library import ApiInfo, Library
from src.rag.originals import OriginalsStore
from src.rag.retrieval import HybridRetriever, SearchFilters
from src.rag.store import ChromaStore
from src.rag.types import Answer, ApiSpec, CodeSample, Hit, IngestReport, Operation

log = get_logger(__name__)


class Assistant:
    """Long-lived per process; cheap to construct: the model, store and LLM clients load on first use."""

    def __init__(self, settings: Settings) -> None:
        configure_logging(settings.env.value == "production", settings.log_level)
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.library = Library(self.data_dir)
        self.originals = OriginalsStore(self.data_dir)
        self.store = ChromaStore(settings)
        self.embedder = SentenceTransformerEmbedder(
            settings.model_path, settings.embedding_batch_size,
            EmbeddingCache(settings.embed_cache_entries, settings.embed_cache_mb),
        )
        self.keywords = KeywordIndexManager(self.data_dir / "bm25", self.store.iter_all)
        self.retriever = HybridRetriever(self.store, self.embedder, self.keywords)
        self.answer_cache: SemanticCache[Answer] = SemanticCache(
            threshold=settings.query_cache_threshold, max_entries=settings.query_cache_size, ttl_s=settings.query_cache_ttl_s
        )
        self.ingestor = Ingestor(settings, self.library, self.store, self.embedder, self.originals, self._changed)
        self._specs: dict[tuple[str, float], ApiSpec] = {}
        # re-entrant: known_references() loads specs through get_spec() while holding it
        self._known: tuple[int, tuple[set[str], set[str]]] | None = None
        self.router_error = ""
        self._lock = threading.RLock()

    # --- library ----------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.answer_cache.clear()

    def index_path(self, path: Path, *, root: str | None = None, progress: Progress | None = None) -> IngestReport:
        """Index a spec file, archive or folder from disk."""
        try:
            upload = upload_from_path(Path(path), root, self.settings)
        except AppError as err:
            return IngestReport(file=Path(path).name, ok=False, error=str(err))
        except OSError as err:
            return IngestReport(file=Path(path).name, ok=False,
                                error=f"{Path(path).name}: the file could not be read ({err.strerror or err}); check the path.")
        return self.ingestor.ingest(upload, progress)

    def index_upload(self, name: str, data: bytes, *, root: str | None = None, progress: Progress | None = None) -> IngestReport:
        """Index bytes uploaded through the UI."""
        return self.ingestor.ingest(Upload(name, data, root), progress)

    def reindex(self, api: str, progress: Progress | None = None) -> IngestReport:
        """Re-index one API from its stored original (re-embeds only chunks whose text changed)."""
        info = self.library.get(api)
        name, data = self.originals.source(api)
        return self.ingestor.ingest(Upload(name, data, info.root or None), progress, force=True)

    def remove(self, api: str) -> int:
        """Delete an API and all its chunks; returns the number of chunks removed."""
        return self.ingestor.remove(api)

    def list_apis(self) -> list[ApiInfo]:
        """Return every API in the library."""
        return self.library.list()

    def get_api(self, api: str) -> ApiInfo:
        """Return one API's catalogue entry."""
        return self.library.get(api)

    def get_spec(self, api: str) -> ApiSpec:
        """Return the normalised spec of an API (cached until it is re-indexed)."""
        info = self.library.get(api)
        key = (api, info.indexed_at)
        with self._lock:
            if key not in self._specs:
                self._specs = {k: v for k, v in self._specs.items() if k[0] != api}
                self._specs[key] = self.originals.load_spec(api)
            return self._specs[key]

    def original_file(self, api: str) -> tuple[str, bytes]:
        """Return the original uploaded file (name, bytes)."""
        self.library.get(api)
        try:
            return self.originals.source(api)
        except FileNotFoundError as exc:
            raise NotFound(f"The original file of {api} is missing; re-upload it.") from exc

    def latest_apis(self) -> tuple[str, ...]:
        """Return the ids of the newest indexed version of each API title."""
        newest: dict[str, ApiInfo] = {}
        for info in self.library.list():
            cur = newest.get(info.title.lower())
            if cur is None or _version_key(info.version) > _version_key(cur.version):
                newest[info.title.lower()] = info
        return tuple(sorted(i.api for i in newest.values()))

    # --- search and answers ---------------------------------------------------------------------------
    def search(self, query: str, *, top_k: int | None = None, filters: SearchFilters | None = None,
               latest_only: bool = False) -> list[Hit]:
        """Return the best chunks for a query."""
        query = require_question(query, self.settings.max_question_chars)
        filters = self._scoped(filters or SearchFilters(), latest_only)
        return self.retriever.search(query, top_k or self.settings.top_k, self.library.version(), filters)

    def _scoped(self, filters: SearchFilters, latest_only: bool) -> SearchFilters:
        if not latest_only:
            return filters
        latest = set(self.latest_apis())
        apis = tuple(a for a in (filters.apis or tuple(latest)) if a in latest)
        return SearchFilters(apis or ("",), filters.tags, filters.methods, filters.kinds)

    @cached_property
    def router(self):
        """Return the LLM router (built on first use); a broken provider configuration falls back to offline."""
        from src.rag.generation.router import GenerationRouter

        try:
            return GenerationRouter.from_settings(self.settings)
        except AppError as err:
            self.router_error = str(err)
            log.error("router.config_failed", error=self.router_error)
            return GenerationRouter([])

    def known_references(self) -> tuple[set[str], set[str]]:
        """Return every operation key and JSON pointer in the library (cached per library version)."""
        from src.rag.verify import known_references

        version = self.library.version()
        with self._lock:
            if self._known is None or self._known[0] != version:
                specs = [self.get_spec(i.api) for i in self.library.list() if self.originals.folder(i.api).exists()]
                self._known = (version, known_references(specs))
            return self._known[1]

    def stream(self, question: str, *, filters: SearchFilters | None = None, history: Sequence[tuple[str, str]] = (),
               top_k: int | None = None, router: Any = None) -> Iterator[Any]:
        """Yield `TextDelta` events as the answer is written, then one `Final(answer)`."""
        from src.rag.generation.events import Final, TextDelta
        from src.rag.generation.offline import compose_offline

        question = require_question(question, self.settings.max_question_chars)
        router = router or self.router
        standalone = router.condense(question, history) if history else question
        filters = filters or SearchFilters()
        k = top_k or self.settings.top_k
        context = (self.library.version(), router.signature(), filters, k)
        qvec = self.embedder.embed_query(standalone) if self.keywords.get(context[0]).ids else None
        cached = self.answer_cache.get(qvec, context) if qvec is not None and not history else None
        if cached is not None:
            answer = _replace(cached, question=question, cached=True)
            yield TextDelta(answer.text)
            yield Final(answer)
            return
        hits = self.retriever.search(standalone, k, context[0], filters, query_vector=qvec) if qvec is not None else []
        specs = {h.api: self.get_spec(h.api) for h in hits if _exists(self.library, h.api)}
        offline = compose_offline(question, hits, specs)
        final = None
        for event in router.stream(question, hits, offline, history, known=self.known_references()):
            if isinstance(event, Final):
                final = event.answer
                if self.router_error and not final.degraded:
                    final = _replace(final, degraded=True, degraded_reason=f"{self.router_error} This answer was composed offline.")
                    event = Final(final)
            yield event
        if final is not None and qvec is not None and not final.degraded and not history:
            self.answer_cache.put(qvec, context, final)

    def ask(self, question: str, **kwargs: Any) -> Answer:
        """Return the complete answer (the non-streaming form of `stream`)."""
        from src.rag.generation.events import Final

        answer = None
        for event in self.stream(question, **kwargs):
            if isinstance(event, Final):
                answer = event.answer
        assert answer is not None, "stream() always ends with a Final event"
        return answer

    # --- operations, code and plans (front ends that address one operation) -------------------------
    def operation(self, api: str, ref: str) -> tuple[ApiSpec, Operation]:
        """Return an API's spec and its operation named by ``METHOD /path`` or operationId."""
        from src.rag.operations import find_operation

        spec = self.get_spec(api)
        return spec, find_operation(spec, api, ref)

    def code_samples(self, api: str, ref: str, languages: Sequence[str] = ()) -> tuple[CodeSample, ...]:
        """Return code samples for one operation in the given languages (every supported one when empty)."""
        from src.rag.codegen import DEFAULT_LANGUAGES, generate_samples

        spec, op = self.operation(api, ref)
        return generate_samples(spec, op, tuple(languages) or DEFAULT_LANGUAGES)

    def plan(self, task: str, **kwargs: Any) -> dict[str, Any]:
        """Return the integration plan for a task: the planner's when present, else the answer's ranked steps."""
        from src.rag.operations import plan_view

        return plan_view(self.ask(task, **kwargs))

    # --- status ----------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Return cache counters and library size."""
        return {
            "library_version": self.library.version(),
            "apis": len(self.library.list()),
            "chunks": self.store.count(),
            "embedding_cache": self.embedder.cache.stats.as_dict() | {"entries": len(self.embedder.cache)},
            "answer_cache": self.answer_cache.stats.as_dict() | {"entries": len(self.answer_cache)},
            "bm25_builds": self.keywords.builds,
            "embedded_texts": self.embedder.encoded_texts,
        }

    def health(self) -> dict[str, Any]:
        """Report the store, the embedding model and each LLM provider's breaker state."""
        store: dict[str, Any] = {"mode": self.store.mode}
        try:
            started = time.perf_counter()
            store |= {"ok": True, "chunks": self.store.count(), "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as exc:  # health must report, not raise
            store |= {"ok": False, "error": str(exc)}
        path = self.embedder.model_path
        model_ok = self.embedder.loaded or Path(path).exists() or "/" not in path
        model = {"ok": model_ok, "path": path, "loaded": self.embedder.loaded}
        if not model_ok:
            model["error"] = f"No embedding model at {path}; fix APIASSIST_EMBEDDING_MODEL."
        providers = self.router.health()
        if self.router_error:
            providers.insert(0, {"name": "configuration", "state": "error", "error": self.router_error})
        return {"ok": bool(store["ok"] and model_ok), "store": store, "embedding": model, "providers": providers}


def _exists(library: Library, api: str) -> bool:
    try:
        library.get(api)
        return True
    except NotFound:
        return False


def _replace(answer: Answer, **changes: Any) -> Answer:
    from dataclasses import replace

    return replace(answer, **changes)


def _version_key(version: str) -> tuple:
    import re

    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-]", version))
