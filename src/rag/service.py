"""`Assistant`: the one facade both front ends call (index, remove, list, search, ask, stream, health)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from src.core.cache import EmbeddingCache, SemanticCache
from src.core.config import Settings
from src.core.errors import AppError, NotFound
from src.core.logging import configure_logging, get_logger
from src.core.security import require_question
from src.rag.api_names import ApiNames
from src.rag.embedding import Embedder, SentenceTransformerEmbedder
from src.rag.ingest import Ingestor, Progress, Upload, upload_from_path
from src.rag.integrity import LibraryCheck
from src.rag.library import ApiInfo, Library
from src.rag.originals import OriginalsStore
from src.rag.planning.planner import Planner
from src.rag.pipeline import AskPipeline, Ranking, plan_first
from src.rag.ranking.ranker import LearnedRanker
from src.rag.retrieval import HybridRetriever, SearchFilters
from src.rag.search_index import SearchIndexManager
from src.rag.store import ChromaStore, VectorStore
from src.rag.types import Answer, ApiSpec, ChunkKind, CodeSample, Hit, IngestReport, Operation

log = get_logger(__name__)
# How many ranked operations the planner may choose an action's call from.
ACTION_CANDIDATES = 10


class Assistant:
    """Long-lived per process; cheap to construct: the model, store and LLM clients load on first use."""

    def __init__(self, settings: Settings, *, store: VectorStore | None = None, embedder: Embedder | None = None,
                 ranker: LearnedRanker | None = None) -> None:
        """Build the assistant; collaborators not passed in are the real ones `settings` configures."""
        configure_logging(settings.env.value == "production", settings.log_level)
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self.library = Library(self.data_dir)
        self.originals = OriginalsStore(self.data_dir)
        self.store = store or ChromaStore(settings)
        self.embedder = embedder or SentenceTransformerEmbedder(
            settings.model_path, settings.embedding_batch_size,
            EmbeddingCache(settings.embed_cache_entries, settings.embed_cache_mb),
        )
        self.search_index = SearchIndexManager(self.data_dir / "bm25", self.store.iter_all, self.embedder.embed)
        self.names = ApiNames(self.data_dir)  # display names: shown on screen, and they name their API in questions
        self.retriever = HybridRetriever(self.embedder, self.search_index, ranker, self.names)
        self.pipeline = AskPipeline(self.retriever, self._indexed_spec)
        self.answer_cache: SemanticCache[Answer] = SemanticCache(
            threshold=settings.query_cache_threshold, max_entries=settings.query_cache_size, ttl_s=settings.query_cache_ttl_s
        )
        self.ingestor = Ingestor(settings, self.library, self.store, self.embedder, self.originals, self._changed)
        self.check = LibraryCheck(self.data_dir, self.library, self.store, self.originals)
        self.repairs: list[str] = []  # what this process's start-up check repaired
        self._checked = False
        # normalised specs for answers with their stored size: least recently used leave first
        self._specs: LRUCache[tuple[str, float], tuple[ApiSpec, int]] = LRUCache(
            maxsize=max(1, int(settings.spec_cache_mb * 1024 * 1024)), getsizeof=lambda entry: max(1, entry[1]))
        self._flows: dict[tuple[str, str, float], Any] = {}
        self.planner = Planner(self._search_apis, self.dataflow, self.get_spec)
        self._known: tuple[int, tuple[set[str], set[str]]] | None = None
        self.router_error = ""
        self._llm_chooser: Any = None
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        """Return an assistant with the real store, embedder and ranker that `settings` configures."""
        return cls(settings)

    # --- library ----------------------------------------------------------------------------------
    def _changed(self) -> None:
        self.answer_cache.clear()

    def _ready(self) -> None:
        """Run the start-up check once, the first time this process touches the library."""
        if self._checked:
            return
        with self._lock:
            if self._checked:
                return
            self._checked = True
            try:
                self.repairs += self.check.run()
            except Exception as exc:  # a check that cannot run must not stop the library from opening
                log.error("library.check_failed", error=type(exc).__name__, detail=str(exc)[:300])
            if self.repairs:
                self._changed()

    def index_path(self, path: Path, *, root: str | None = None, progress: Progress | None = None) -> IngestReport:
        """Index a spec file, archive or folder from disk."""
        self._ready()
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
        self._ready()
        return self.ingestor.ingest(Upload(name, data, root), progress)

    def reindex(self, api: str, progress: Progress | None = None) -> IngestReport:
        """Re-index one API from its stored original (re-embeds only chunks whose text changed)."""
        self._ready()
        info = self.library.get(api)
        name, data = self.originals.source(api)
        return self.ingestor.ingest(Upload(name, data, info.root or None), progress, force=True)

    def remove(self, api: str) -> int:
        """Delete an API and all its chunks (or what a crash left of it); returns the number of chunks removed."""
        removed = self.ingestor.remove(api)  # before the start-up check, which would clean up an orphan silently
        self._ready()
        return removed

    def list_apis(self) -> list[ApiInfo]:
        """Return every API in the library."""
        self._ready()
        return self.library.list()

    def get_api(self, api: str) -> ApiInfo:
        """Return one API's catalogue entry."""
        self._ready()
        return self.library.get(api)

    def get_spec(self, api: str) -> ApiSpec:
        """Return the normalised spec of an API, loaded on first use and cached within APIASSIST_SPEC_CACHE_MB."""
        info = self.library.get(api)
        key = (api, info.indexed_at)
        with self._lock:
            entry = self._specs.get(key)
            if entry is None:
                for stale in [k for k in self._specs if k[0] == api]:
                    del self._specs[stale]
                entry = (self.originals.load_spec(api), self.originals.spec_bytes(api))
                try:
                    self._specs[key] = entry
                except ValueError:  # larger than the whole cache: used for this answer, not kept
                    pass
            return entry[0]

    def _indexed_spec(self, api: str) -> ApiSpec | None:
        return self.get_spec(api) if _exists(self.library, api) else None

    def dataflow(self, api: str):
        """Return the data-flow graph of an API (which response field feeds which input)."""
        from src.rag.planning.storage import read_graph

        info = self.library.get(api)
        key = ("flow", api, info.indexed_at)
        with self._lock:
            if key not in self._flows:
                self._flows = {k: v for k, v in self._flows.items() if k[1] != api}
                self._flows[key] = read_graph(self.originals.folder(api), self.get_spec(api))
            return self._flows[key]

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
        self._ready()
        query = require_question(query, self.settings.max_question_chars)
        filters = self._scoped(filters or SearchFilters(), latest_only)
        return self.retriever.search(query, top_k or self.settings.top_k, self.library.version(), filters)

    def _search_apis(self, query: str, apis: tuple[str, ...]) -> list[Hit]:
        """Return the ranked operations of some APIs for one action of a question (the planner's goals)."""
        filters = SearchFilters(apis=apis, kinds=(ChunkKind.OPERATION,))
        return self.retriever.search(query, ACTION_CANDIDATES, self.library.version(), filters)

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

    def _chooser(self, router: Any) -> Any:
        """Return the LLM endpoint chooser for `router` (one per router, so its cache follows the provider)."""
        from src.rag.ranking.llm_choice import LlmChooser

        with self._lock:
            if self._llm_chooser is None or self._llm_chooser.router is not router:
                self._llm_chooser = LlmChooser(router)
            return self._llm_chooser

    def known_references(self) -> tuple[set[str], set[str]]:
        """Return every operation key and JSON pointer in the library (cached per library version).

        Read from each API's compact reference index, so no whole spec is loaded for it.
        """
        version = self.library.version()
        with self._lock:
            if self._known is None or self._known[0] != version:
                keys: set[str] = set()
                pointers: set[str] = set()
                for info in self.library.list():
                    if self.originals.folder(info.api).exists():
                        api_keys, api_pointers = self.originals.load_refs(info.api)
                        keys |= api_keys
                        pointers |= api_pointers
                self._known = (version, (keys, pointers))
            return self._known[1]

    def stream(self, question: str, *, filters: SearchFilters | None = None, history: Sequence[tuple[str, str]] = (),
               top_k: int | None = None, router: Any = None) -> Iterator[Any]:
        """Yield `TextDelta` events as the answer is written, then one `Final(answer)`."""
        self._ready()
        from src.rag.generation.events import Final, TextDelta
        from src.rag.auth_questions import is_auth_ranking
        from src.rag.generation.plan_sections import with_plan

        question = require_question(question, self.settings.max_question_chars)
        router = router or self.router
        standalone = router.condense(question, history) if history else question
        filters = filters or SearchFilters()
        k = top_k or self.settings.top_k
        context = (self.library.version(), router.signature(), filters, k, self.names.version)
        qvec = self.embedder.embed_query(standalone) if self.search_index.get(context[0]).ids else None
        cached = self.answer_cache.get(qvec, context) if qvec is not None and not history else None
        if cached is not None:
            answer = _replace(cached, question=question, cached=True)
            yield TextDelta(answer.text)
            yield Final(answer)
            return
        plan = self.pipeline.plan(standalone)
        ranking = self.pipeline.rank(plan, context[0], filters, k, qvec) if qvec is not None else Ranking(plan, ())
        if self.settings.llm_chooses_endpoint and not router.offline_only and not is_auth_ranking(ranking.hits):
            ranking = Ranking(plan, tuple(self._chooser(router).reorder(standalone, ranking.hits)))
        steps = self.planner.safe_plan(standalone, list(ranking.hits))
        ranking = Ranking(plan, plan_first(ranking.hits, steps))  # the plan's calls lead the sources too
        offline = with_plan(self.pipeline.compose(question, ranking, [s.key for s in steps]), steps, self.get_spec)
        hits = list(ranking.hits)
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
        self._ready()
        return {
            "library_version": self.library.version(),
            "apis": len(self.library.list()),
            "chunks": self.store.count(),
            "embedding_cache": self.embedder.cache.stats.as_dict() | {"entries": len(self.embedder.cache)},
            "answer_cache": self.answer_cache.stats.as_dict() | {"entries": len(self.answer_cache)},
            "bm25_builds": self.search_index.builds,
            "embedded_texts": self.embedder.encoded_texts,
        }

    def health(self) -> dict[str, Any]:
        """Report the library check, the store, the embedding model and each LLM provider's breaker state."""
        self._ready()
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
        return {"ok": bool(store["ok"] and model_ok), "library": self._library_health(store["ok"]), "store": store,
                "embedding": model, "providers": providers}

    def _library_health(self, store_ok: bool) -> dict[str, Any]:
        """Run the full library check (orphan chunks included) and report what it and the start-up check repaired."""
        report: dict[str, Any] = {"ok": True}
        if store_ok:
            try:
                with self._lock:
                    repaired = self.check.run(scan_index=True)
                    self.repairs += repaired
                if repaired:
                    self._changed()
            except Exception as exc:  # health must report, not raise
                report |= {"ok": False, "error": f"The library check failed ({type(exc).__name__}: {exc})."}
        return report | {"apis": len(self.library.ids()), "repaired": list(self.repairs),
                         "recent_repairs": self.library.recent_repairs()}


def _exists(library: Library, api: str) -> bool:
    """Return whether `api` is still in the library (a hit may outlive a concurrent removal)."""
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
