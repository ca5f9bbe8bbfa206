"""The trained ranker: a linear model over FEATURES, loaded from a small versioned JSON file.

``weights.json`` is written by ``scripts/train_ranker.py``; it records the feature names it was trained on,
so a file that no longer matches the code is refused instead of silently mis-scoring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from src.rag.ranking.features import FEATURES

WEIGHTS = Path(__file__).with_name("weights.json")
FORMAT = 3
# Plain-language reasons for the features that most often decide a rank.
REASONS = {
    "dense": "close in meaning to the question",
    "dense_gap": "the closest in meaning among the candidates",
    "bm25_rel": "shares the question's key words",
    "bm25_path": "its path names what you asked for",
    "bm25_summary": "its summary uses your words",
    "bm25_params": "it takes parameters you mentioned",
    "bm25_description": "its description uses your words",
    "cover_path": "its path covers the things you named",
    "cover_summary": "its summary covers the things you named",
    "ident_item": "it acts on the one object you named",
    "verb_agrees": "its method fits your verb",
    "api_dense_gap": "it is in the API closest to the question",
    "api_named": "it is in the API you named",
    "exact": "you named it",
    "hybrid": "high by both meaning and keywords",
}


@dataclass(frozen=True)
class LinearRanker:
    """Scores feature rows as the probability that a chunk answers the question, and judges whether it fits."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    nothing_fits_below: float
    trained_on: str = ""
    # The "does it fit at all?" judge: a pointwise model over the same standardised features. The rank score
    # says which candidate is best among these; in a ten-operation library the best can still be far off.
    fit_coef: np.ndarray | None = None
    fit_intercept: float = 0.0
    # The "is the question about this library at all?" judge: a logistic model over the question's best
    # candidates (see question_inputs), trained on dev-set questions put to their own library and to others.
    scope_coef: np.ndarray | None = None
    scope_intercept: float = 0.0
    scope_below: float = 0.0
    scope_mean: np.ndarray | None = None
    scope_scale: np.ndarray | None = None

    def logits(self, matrix: np.ndarray) -> np.ndarray:
        """Return the rank score of each row as a log-odds."""
        return ((matrix - self.mean) / self.scale) @ self.coef + self.intercept

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Return the probability of each row (one row per candidate)."""
        return 1.0 / (1.0 + np.exp(-self.logits(matrix)))

    def fit_probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """Return, per row, the probability that it really answers the question (what "nothing fits" reads)."""
        if self.fit_coef is None:
            return self.scores(matrix)
        return 1.0 / (1.0 + np.exp(-(((matrix - self.mean) / self.scale) @ self.fit_coef + self.fit_intercept)))

    def question_inputs(self, matrix: np.ndarray, scores: np.ndarray | None = None,
                        fit: np.ndarray | None = None) -> np.ndarray:
        """Return what the question judge reads: how well the top candidate and the best one fit, the top
        candidate's lead over the next, and the top candidate's standardised features (pass the rows'
        scores and fit when already computed)."""
        scores = self.scores(matrix) if scores is None else scores
        fit = self.fit_probabilities(matrix) if fit is None else fit
        order = np.argsort(-scores, kind="stable")
        lead = scores[order[0]] - (scores[order[1]] if len(order) > 1 else 0.0)
        head = [np.log(fit[order[0]] + 1e-6), np.log(fit.max() + 1e-6), lead]
        return np.concatenate([head, (matrix[order[0]] - self.mean) / self.scale]).astype(np.float32)

    def question_fits(self, matrix: np.ndarray, scores: np.ndarray | None = None,
                      fit: np.ndarray | None = None) -> float:
        """Return the probability that some candidate of this question is what it asks for (1.0 untrained)."""
        if self.scope_coef is None or not len(matrix):
            return 1.0 if len(matrix) else 0.0
        x = (self.question_inputs(matrix, scores, fit) - self.scope_mean) / self.scope_scale
        z = float(x @ self.scope_coef + self.scope_intercept)
        return 1.0 / (1.0 + np.exp(-z))

    def reasons(self, row: np.ndarray, limit: int = 2) -> tuple[str, ...]:
        """Return the plain-language reasons that raised this row's score most."""
        contrib = (row - self.mean) / self.scale * self.coef
        order = np.argsort(-contrib)
        out = [REASONS[FEATURES[i]] for i in order if contrib[i] > 0 and FEATURES[i] in REASONS]
        return tuple(dict.fromkeys(out))[:limit]

    def to_json(self) -> dict:
        """Return the serialisable form written to weights.json."""
        return {"format": FORMAT, "features": list(FEATURES), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "coef": self.coef.round(6).tolist(),
                "intercept": round(float(self.intercept), 6), "nothing_fits_below": round(self.nothing_fits_below, 6),
                "trained_on": self.trained_on,
                "fit_coef": None if self.fit_coef is None else self.fit_coef.round(6).tolist(),
                "fit_intercept": round(float(self.fit_intercept), 6),
                **({} if self.scope_coef is None else {
                    "scope_coef": self.scope_coef.round(6).tolist(), "scope_intercept": round(float(self.scope_intercept), 6),
                    "scope_below": round(self.scope_below, 6), "scope_mean": self.scope_mean.tolist(),
                    "scope_scale": self.scope_scale.tolist()})}

    @classmethod
    def from_json(cls, data: dict) -> LinearRanker:
        """Build a ranker from its JSON form; refuse one trained on other features."""
        if data.get("format") != FORMAT or tuple(data.get("features", ())) != FEATURES:
            raise ValueError("The ranker weights do not match this version's features; run scripts/train_ranker.py.")
        fit, scope = data.get("fit_coef"), data.get("scope_coef")
        arrays = {k: np.array(data[k], dtype=np.float32) for k in ("scope_mean", "scope_scale") if k in data}
        return cls(np.array(data["mean"], dtype=np.float32), np.array(data["scale"], dtype=np.float32),
                   np.array(data["coef"], dtype=np.float32), float(data["intercept"]),
                   float(data["nothing_fits_below"]), str(data.get("trained_on", "")),
                   None if fit is None else np.array(fit, dtype=np.float32), float(data.get("fit_intercept", 0.0)),
                   None if scope is None else np.array(scope, dtype=np.float32), float(data.get("scope_intercept", 0.0)),
                   float(data.get("scope_below", 0.0)), arrays.get("scope_mean"), arrays.get("scope_scale"))


@lru_cache(maxsize=1)
def shipped_ranker() -> LinearRanker:
    """Return the ranker trained on all development data (weights.json in this package)."""
    return LinearRanker.from_json(json.loads(WEIGHTS.read_text()))
