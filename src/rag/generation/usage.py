"""Token usage and estimated cost: provider-reported counts when available, labelled estimates otherwise.

Price file format (``APIASSIST_LLM_PRICES_FILE``, YAML or JSON): a mapping from model name to
USD per one million tokens, optionally under a top-level ``models`` key::

    gpt-4o-mini: {input: 0.15, output: 0.60}
    my-vllm-model: {input: 0, output: 0}

A model matches its exact name first, then the longest configured prefix (so
``gpt-4o-mini-2024-07-18`` is priced as ``gpt-4o-mini``). File entries override the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from src.core.errors import ProviderError
from src.rag.generation.base import ChatMessage, ProviderConfig, ProviderKind
from src.rag.generation.files import read_structured_file
from src.rag.types import Usage

CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and code with BPE tokenizers


@dataclass(frozen=True)
class Price:
    """USD per one million input and output tokens."""

    input_per_m: float
    output_per_m: float


# Published list prices at the time of writing; override them in the price file.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-3.5-turbo": Price(0.50, 1.50),
    "o4-mini": Price(1.10, 4.40),
    "llama-3.1-8b-instant": Price(0.05, 0.08),
    "llama-3.3-70b-versatile": Price(0.59, 0.79),
}


def estimate_tokens(text: str) -> int:
    """Estimate the token count of a text (about four characters per token)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


class PriceTable:
    """Per-model prices with exact-then-longest-prefix lookup."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self.prices = dict(DEFAULT_PRICES if prices is None else prices)

    @classmethod
    def from_file(cls, path: Path | None) -> PriceTable:
        """Return the default table overridden by the entries of a YAML or JSON price file."""
        prices = dict(DEFAULT_PRICES)
        if path is None:
            return cls(prices)
        data = read_structured_file(path, "LLM price file", "APIASSIST_LLM_PRICES_FILE")
        if isinstance(data, dict) and isinstance(data.get("models"), dict):
            data = data["models"]
        if not isinstance(data, dict):
            raise ProviderError(f"The LLM price file {path.name} must map model names to input/output "
                                "prices; fix it or unset APIASSIST_LLM_PRICES_FILE.")
        for model, entry in data.items():
            prices[str(model)] = _parse_price(path, str(model), entry)
        return cls(prices)

    def lookup(self, model: str) -> Price | None:
        """Return the price of a model, or None when it is not in the table."""
        if model in self.prices:
            return self.prices[model]
        prefixes = [name for name in self.prices if model.startswith(name)]
        return self.prices[max(prefixes, key=len)] if prefixes else None

    def cost(self, config: ProviderConfig, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Return the estimated USD cost, 0 for an unpriced local Ollama model, None when unknown."""
        price = self.lookup(config.model)
        if price is None:
            return 0.0 if config.kind is ProviderKind.OLLAMA else None
        total = prompt_tokens * price.input_per_m + completion_tokens * price.output_per_m
        return round(total / 1_000_000, 8)


def _parse_price(path: Path, model: str, entry: object) -> Price:
    if isinstance(entry, dict):
        try:
            return Price(float(entry["input"]), float(entry["output"]))
        except (KeyError, TypeError, ValueError):
            pass
    raise ProviderError(f"The LLM price file {path.name} has no numeric input/output prices for '{model}'; "
                        "fix the entry or remove it.")


def answer_usage(reported: Usage | None, messages: Sequence[ChatMessage], completion: str,
                 config: ProviderConfig, prices: PriceTable, *, prompt_counted: int | None = None,
                 completion_counted: int | None = None) -> Usage:
    """Return the usage of one answer: the server's report, else its tokenizer's counts, else estimates.

    ``prompt_counted``/``completion_counted`` are counts from the server's tokenizer, when it has one.
    """
    if reported is not None and (reported.prompt_tokens or reported.completion_tokens):
        prompt, done, by = reported.prompt_tokens, reported.completion_tokens, "server"
    else:
        prompt = prompt_counted if prompt_counted is not None else sum(estimate_tokens(m.content) for m in messages)
        done = completion_counted if completion_counted is not None else estimate_tokens(completion)
        counted = (prompt_counted is not None, completion_counted is not None)
        by = {(True, True): "server tokenizer", (False, False): "estimate"}.get(counted,
                                                                                "server tokenizer + estimate")
    return Usage(prompt_tokens=prompt, completion_tokens=done, cost_usd=prices.cost(config, prompt, done),
                 estimated=by != "server" and by != "server tokenizer", counted_by=by)


def add_usage(total: Usage, more: Usage) -> Usage:
    """Add one answer's usage to a running per-conversation total."""
    costs = [c for c in (total.cost_usd, more.cost_usd) if c is not None]
    return Usage(prompt_tokens=total.prompt_tokens + more.prompt_tokens,
                 completion_tokens=total.completion_tokens + more.completion_tokens,
                 cost_usd=round(sum(costs), 8) if costs else None,
                 estimated=total.estimated or more.estimated, counted_by=_merged_counter(total, more))


def _merged_counter(total: Usage, more: Usage) -> str:
    if total.counted_by in ("", more.counted_by):
        return more.counted_by
    return total.counted_by if not more.counted_by else "mixed"
