"""Context budget: the prompt fits the window, the least relevant context goes first, counts say who counted."""

from __future__ import annotations

from dataclasses import replace

from src.rag.generation.budget import COUNTED_BY_ESTIMATE, COUNTED_BY_SERVER, fit_prompt
from src.rag.generation.usage import estimate_tokens
from tests.generation.conftest import HITS, QUESTION

LONG = tuple(replace(hit, id=f"{hit.id}-{i}", text=hit.text + " detail" * 300) for i, hit in enumerate(HITS * 3))


def _user(fitted) -> str:
    return fitted.messages[-1].content


def test_a_roomy_window_keeps_every_excerpt_and_counts_by_estimate() -> None:
    fitted = fit_prompt(QUESTION, HITS, (), window=8192, answer_tokens=512)
    assert fitted.fits and fitted.counted_by == COUNTED_BY_ESTIMATE
    assert all(hit.id in _user(fitted) for hit in HITS)
    assert fitted.dropped_excerpts == 0


def test_a_small_window_drops_the_lowest_ranked_excerpts_first_and_keeps_the_question() -> None:
    fitted = fit_prompt(QUESTION, LONG, (), window=2048, answer_tokens=512)
    assert fitted.fits and fitted.prompt_tokens <= 2048 - 512
    user = _user(fitted)
    kept = [hit.id for hit in LONG if f'id="{hit.id}"' in user]
    assert kept == [hit.id for hit in LONG[:len(kept)]]  # a prefix of the ranking: the tail went first
    assert 1 <= len(kept) < len(LONG) and fitted.dropped_excerpts == len(LONG) - len(kept)
    assert QUESTION in user and fitted.messages[0].role.value == "system"


def test_history_goes_before_the_last_excerpt_and_the_last_excerpt_is_shortened_last() -> None:
    history = [("user", "Earlier question " * 40), ("assistant", "Earlier answer " * 40)]
    fitted = fit_prompt(QUESTION, LONG[:1], history, window=1200, answer_tokens=400)
    assert fitted.dropped_turns >= 1 and [m.role.value for m in fitted.messages] == ["system", "user"]
    assert LONG[0].id in _user(fitted) and QUESTION in _user(fitted)
    assert fitted.fits


def test_server_counts_are_used_and_labelled() -> None:
    calls: list[str] = []

    def server_counter(text: str) -> int:  # a tokenizer that splits twice as finely as the estimate
        calls.append(text)
        return estimate_tokens(text) * 2

    fitted = fit_prompt(QUESTION, LONG, (), window=4096, answer_tokens=512, counter=server_counter)
    assert fitted.counted_by == COUNTED_BY_SERVER and fitted.fits
    assert 1 <= len(calls) <= 4  # one count, then one recount per round of drops
    estimate_only = fit_prompt(QUESTION, LONG, (), window=4096, answer_tokens=512)
    assert fitted.dropped_excerpts > estimate_only.dropped_excerpts  # finer tokens, less room


def test_a_tokenizer_that_fails_falls_back_to_the_estimate() -> None:
    fitted = fit_prompt(QUESTION, HITS, (), window=8192, answer_tokens=512, counter=lambda _: None)
    assert fitted.counted_by == COUNTED_BY_ESTIMATE


def test_fixed_parts_that_cannot_fit_are_reported() -> None:
    fitted = fit_prompt("why " * 3000, HITS, (), window=1024, answer_tokens=256)
    assert not fitted.fits
    assert ("why " * 3000).strip() in _user(fitted)  # the question itself is never cut
