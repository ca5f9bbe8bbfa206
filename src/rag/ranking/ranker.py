"""The one ranking authority: candidates, features and the trained model give every result its rank and reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from src.rag.ranking.features import CandidateFeatures, RankableIndex, candidate_features
from src.rag.ranking.model import LinearRanker, shipped_ranker
from src.rag.ranking.signals import read_question


@dataclass(frozen=True)
class Ranked:
    """One ranked chunk: its index position, the model's score, why it ranks there, and whether it fits."""

    position: int
    score: float
    reasons: tuple[str, ...]
    fits: bool
    exact: bool = False


class LearnedRanker:
    """Ranks the candidates of one question with a trained linear model (the shipped weights by default)."""

    def __init__(self, model: LinearRanker | None = None) -> None:
        self._model = model

    @property
    def model(self) -> LinearRanker:
        """Return the model in use (loaded on first use)."""
        if self._model is None:
            self._model = shipped_ranker()
        return self._model

    def use(self, model: LinearRanker | None) -> None:
        """Score with `model` from now on (None: the shipped weights)."""
        self._model = model

    def features(self, text: str, qvec: np.ndarray, index: RankableIndex, mask: np.ndarray | None,
                 exact: np.ndarray | None = None, titles: Sequence[set[str]] | None = None) -> CandidateFeatures:
        """Return the candidates of one question or step with their feature rows (`titles`: words naming each API)."""
        return candidate_features(read_question(text), text, qvec, index, mask, exact, titles)

    def rank(self, text: str, qvec: np.ndarray, index: RankableIndex, mask: np.ndarray | None,
             exact: np.ndarray | None = None, reasons: int = 2, titles: Sequence[set[str]] | None = None) -> list[Ranked]:
        """Return the candidates best first; a chunk the user named outright (METHOD /path, operation id, schema
        name) comes first, while a bare typed path is only a feature: it is often the parent of the endpoint
        meant ("something under /guilds/{id}/members to search members?")."""
        found = self.features(text, qvec, index, mask, exact, titles)
        if not len(found.positions):
            return []
        model = self.model
        scores = model.scores(found.matrix)
        fit = model.fit_probabilities(found.matrix)
        named = (exact[found.positions] == 2) if exact is not None else np.zeros(len(scores), dtype=bool)
        order = np.lexsort((found.positions, -scores, ~named))
        # The question judge decides whether anything fits; the candidate judge, which of the others fit too.
        about = model.question_fits(found.matrix, scores, fit) >= model.scope_below
        return [Ranked(int(found.positions[i]), float(scores[i]),
                       model.reasons(found.matrix[i]) if n < 10 * reasons else (),
                       bool(named[i] or about and (n == 0 or fit[i] >= model.nothing_fits_below)), bool(named[i]))
                for n, i in enumerate(order)]
