"""Cross-validated ranker for the benchmark: each spec (or SOCBench-D round) is scored by a model trained without it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from common import RESULTS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class CrossValidatedRanker:
    """Installs in each library the ranker that never saw the group being scored (trained once, on first use)."""

    def __init__(self, enabled: bool = True, rounds: tuple[int, ...] = ()) -> None:
        self.enabled = enabled
        self.rounds = rounds
        self._models: dict | None = None

    def _fold_models(self) -> dict:
        """Return the fold models scripts/train_ranker.py saved for these rounds, or train them now."""
        if self._models is None:
            self._models = self._saved() or self._train()
        return self._models

    def _saved(self) -> dict | None:
        from src.rag.ranking.model import LinearRanker

        path = RESULTS / "ranker-folds.json"
        if not path.exists():
            return None
        saved = json.loads(path.read_text())
        try:
            models = {g: LinearRanker.from_json(m) for g, m in saved["models"].items()}
        except ValueError:  # trained on other features: train again
            return None
        return models if tuple(saved.get("rounds", ())) == self.rounds else None

    def _train(self) -> dict:
        import train_ranker

        print("training one ranker per held-out fold …", file=sys.stderr, flush=True)
        return train_ranker.fold_models(train_ranker.collect(self.rounds))[0]

    def use(self, assistant, group: str | None) -> None:
        """Score `assistant`'s searches with the model trained without `group` (None or no CV: the shipped one)."""
        ranker = getattr(assistant.retriever, "ranker", None)
        if ranker is None:
            return
        if not self.enabled or group is None:
            ranker.use(None)
            return
        models = self._fold_models()
        key = next(k for k in (f"userstyle:{group}", f"socbench:{group}") if k in models)
        ranker.use(models[key])
