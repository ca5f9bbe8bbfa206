"""Documentation gaps from real use: disliked answers, weak retrieval, popular topics, never-retrieved operations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from src.core.errors import AppError
from src.rag.conversations import AskedQuestion
from src.rag.types import ApiSpec, ChunkKind

# Cosine similarity of the best source below which retrieval "found nothing good" (all-MiniLM scale).
LOW_SCORE = 0.35
_WORD = re.compile(r"[a-z][a-z0-9_-]{2,}")
_STOP = set("""
about after all also and any are can could does doing done for from get give have how into its just like make
may more need not now one only other our out over please should show some such than that the their them then
there these they this those use used using via want was way what when where which while who why will with
would you your yes api apis endpoint endpoints call calls request requests
""".split())


@dataclass(frozen=True)
class Flagged:
    """A question whose answer got a thumbs down."""

    question: str
    comment: str
    asked_at: float
    top_source: str


@dataclass(frozen=True)
class WeakRetrieval:
    """A question where retrieval found nothing good: no sources, or a low best score."""

    question: str
    best_score: float
    asked_at: float


@dataclass(frozen=True)
class Topic:
    """Something people ask about, with how often."""

    label: str
    count: int


@dataclass(frozen=True)
class Coverage:
    """How much of one API's surface answers have ever used."""

    api: str
    title: str
    operations: int
    retrieved: int
    never_retrieved: tuple[str, ...]

    @property
    def ratio(self) -> float:
        """Return the share of operations retrieved at least once (1.0 for an API without operations)."""
        return self.retrieved / self.operations if self.operations else 1.0


@dataclass(frozen=True)
class Insights:
    """Everything the Insights page shows, computed in one pass over the stored questions."""

    questions: int
    answered: int
    thumbs_up: int
    thumbs_down: tuple[Flagged, ...]
    weak: tuple[WeakRetrieval, ...]
    endpoints: tuple[Topic, ...]
    terms: tuple[Topic, ...]
    coverage: tuple[Coverage, ...]


def compute_insights(asked: Sequence[AskedQuestion], apis: Iterable[str], get_spec: Callable[[str], ApiSpec],
                     *, low_score: float = LOW_SCORE, top: int = 10) -> Insights:
    """Compute every insight from stored questions and the specs of the APIs in the library."""
    answered = [q for q in asked if q.answer is not None]
    return Insights(
        questions=len(asked),
        answered=len(answered),
        thumbs_up=sum(1 for q in answered if q.feedback is not None and q.feedback.rating == 1),
        thumbs_down=tuple(thumbs_down(answered)),
        weak=tuple(weak_retrieval(answered, low_score)),
        endpoints=tuple(top_endpoints(answered, top)),
        terms=tuple(top_terms(asked, top)),
        coverage=tuple(coverage(answered, apis, get_spec)),
    )


def thumbs_down(asked: Iterable[AskedQuestion]) -> list[Flagged]:
    """Return the questions whose answers were marked unhelpful, newest first."""
    out = [
        Flagged(q.question, q.feedback.comment, q.asked_at, _label(q.answer.sources[0]) if q.answer.sources else "")
        for q in asked
        if q.answer is not None and q.feedback is not None and q.feedback.rating == 0
    ]
    return sorted(out, key=lambda f: -f.asked_at)


def weak_retrieval(asked: Iterable[AskedQuestion], threshold: float = LOW_SCORE) -> list[WeakRetrieval]:
    """Return questions whose best source scored below `threshold` (or that had none), weakest first."""
    out = []
    for q in asked:
        if q.answer is None:
            continue
        best = max((h.score for h in q.answer.sources), default=0.0)
        if best < threshold:
            out.append(WeakRetrieval(q.question, best, q.asked_at))
    return sorted(out, key=lambda w: (w.best_score, -w.asked_at))


def top_endpoints(asked: Iterable[AskedQuestion], top: int = 10) -> list[Topic]:
    """Return the most-asked topics: the best source of each answer, counted."""
    counts = Counter(_label(q.answer.sources[0]) for q in asked if q.answer is not None and q.answer.sources)
    return [Topic(label, n) for label, n in counts.most_common(top)]


def top_terms(asked: Iterable[AskedQuestion], top: int = 10) -> list[Topic]:
    """Return the words people use most in their questions (stop words removed; once per question)."""
    counts: Counter[str] = Counter()
    for q in asked:
        counts.update({w for w in _WORD.findall(q.question.lower()) if w not in _STOP})
    return [Topic(w, n) for w, n in counts.most_common(top)]


def coverage(asked: Iterable[AskedQuestion], apis: Iterable[str], get_spec: Callable[[str], ApiSpec]) -> list[Coverage]:
    """Return, per API, the operations that no answer has ever cited (documentation nobody reaches)."""
    seen: dict[str, set[str]] = {}
    for q in asked:
        for hit in q.answer.sources if q.answer is not None else ():
            if hit.kind in (ChunkKind.OPERATION, ChunkKind.WEBHOOK) and hit.method and hit.path:
                seen.setdefault(hit.api, set()).add(f"{hit.method} {hit.path}")
    out = []
    for api in apis:
        try:
            spec = get_spec(api)
        except AppError:
            continue  # an API whose stored spec cannot be read has no coverage to report
        keys = [op.key for op in spec.operations]
        used = seen.get(api, set())
        never = tuple(k for k in keys if k not in used)
        out.append(Coverage(api, spec.title, len(keys), len(keys) - len(never), never))
    return sorted(out, key=lambda c: (c.ratio, c.api))


def _label(hit) -> str:
    where = f"{hit.method} {hit.path}" if hit.method and hit.path else hit.title
    return f"{hit.api} · {where}"
