"""Conversation persistence: owners kept apart, answers round-trip, feedback, settings, usage, export."""

from __future__ import annotations

from dataclasses import replace

import pytest

from src.core.errors import NotFound
from src.rag.conversations import ConversationStore, title_from
from src.rag.generation.prompt import PromptBudget, build_messages
from src.rag.transcript import export_filename, export_markdown
from src.rag.types import Answer, ChunkKind, CodeSample, Hit, Usage

HIT = Hit(id="shop@1:op:POST /v1/refunds", api="shop@1", kind=ChunkKind.OPERATION, title="Create a refund",
          source="#/paths/~1v1~1refunds/post", score=0.82, text="long chunk text", method="POST", path="/v1/refunds")
ANSWER = Answer(question="How do I refund a charge?", text="Call **POST /v1/refunds**.", sources=(HIT,),
                code=(CodeSample("curl", "curl -X POST https://api.example.com/v1/refunds", "curl"),
                      CodeSample("python", "print('```')", "Python (requests)")),
                provider="openai:gpt", degraded=True, degraded_reason="The LLM timed out; answered offline.",
                unverified=("DELETE /v1/nothing",), usage=Usage(120, 40, 0.0012, True))


@pytest.fixture
def store(tmp_path):
    s = ConversationStore(tmp_path)
    yield s
    s.close()


def test_messages_round_trip_with_the_full_answer(store, tmp_path):
    conv = store.create("session:a")
    store.add_message(conv.id, "user", "How do I refund a charge? $ref & more")
    store.add_message(conv.id, "assistant", ANSWER.text, ANSWER)
    reopened = ConversationStore(tmp_path)  # a restart reads the same rows
    msgs = reopened.messages(conv.id)
    assert [m.role for m in msgs] == ["user", "assistant"]
    answer = msgs[1].answer
    assert answer.sources[0].source == "#/paths/~1v1~1refunds/post" and answer.sources[0].text == ""
    assert answer.code == ANSWER.code and answer.unverified == ANSWER.unverified
    assert answer.usage == ANSWER.usage and answer.degraded and answer.provider == "openai:gpt"
    assert reopened.get(conv.id).title == "How do I refund a charge? $ref & more"


def test_owners_only_see_their_own_conversations(store):
    mine = store.create("session:a")
    store.create("session:b")
    assert [c.id for c in store.list("session:a")] == [mine.id]
    with pytest.raises(NotFound):
        store.get(mine.id, "session:b")
    with pytest.raises(NotFound):
        store.delete(mine.id, "session:b")


def test_rename_delete_and_ordering(store):
    first = store.create("o")
    second = store.create("o")
    store.add_message(first.id, "user", "newest activity")
    assert store.list("o")[0].id == first.id
    assert store.rename(second.id, "  Payments\nquestions ").title == "Payments questions"
    assert store.rename(second.id, "   ").title == "Payments questions"  # blank is ignored
    store.delete(first.id)
    assert [c.id for c in store.list("o")] == [second.id]
    assert store.messages(first.id) == []


def test_feedback_replaces_and_clears(store):
    conv = store.create("o")
    store.add_message(conv.id, "user", "q")
    msg = store.add_message(conv.id, "assistant", "a", ANSWER)
    store.set_feedback(msg.id, 1)
    store.set_feedback(msg.id, 0, "missing the auth header")
    fb = store.messages(conv.id)[1].feedback
    assert (fb.rating, fb.comment) == (0, "missing the auth header")
    store.clear_feedback(msg.id)
    assert store.messages(conv.id)[1].feedback is None
    with pytest.raises(ValueError):
        store.set_feedback(msg.id, 5)


def test_asked_questions_pairs_each_question_with_its_answer(store):
    conv = store.create("o")
    store.add_message(conv.id, "user", "unanswered")
    store.add_message(conv.id, "user", "answered")
    msg = store.add_message(conv.id, "assistant", "a", ANSWER)
    store.set_feedback(msg.id, 0)
    asked = store.asked_questions()
    assert [(q.question, q.answer is not None) for q in asked] == [("unanswered", False), ("answered", True)]
    assert asked[1].feedback.rating == 0 and asked[1].answer_message_id == msg.id
    assert store.asked_questions("someone-else") == []


def test_settings_persist_per_owner(store, tmp_path):
    store.save_settings("o", {"provider": "ollama", "top_k": 8, "apis": ["shop@1"]})
    assert ConversationStore(tmp_path).load_settings("o") == {"provider": "ollama", "top_k": 8, "apis": ["shop@1"]}
    assert store.load_settings("other") == {}


def test_export_contains_questions_answers_sources_code_and_feedback(store):
    conv = store.create("o")
    store.add_message(conv.id, "user", "How do I refund a charge?")
    msg = store.add_message(conv.id, "assistant", ANSWER.text, ANSWER)
    store.set_feedback(msg.id, 0, "needs the idempotency key")
    text = export_markdown(store.get(conv.id), store.messages(conv.id))
    assert text.startswith("# How do I refund a charge?")
    assert "## Question\n\nHow do I refund a charge?" in text and "Call **POST /v1/refunds**." in text
    assert "#/paths/~1v1~1refunds/post" in text and "curl -X POST https://api.example.com/v1/refunds" in text
    assert "````python\nprint('```')\n````" in text  # code containing a fence keeps its own fence intact
    assert "not helpful: needs the idempotency key" in text and "DELETE /v1/nothing" in text
    assert "_Conversation total: 120 prompt + 40 completion tokens (estimated), estimated cost $0.0012._" in text
    assert "_Answered by `openai:gpt`: 120 prompt + 40 completion tokens (estimated)" in text
    assert export_filename(store.get(conv.id)) == "how-do-i-refund-a-charge.md"


def test_title_from_collapses_and_caps():
    assert title_from("a\n  b") == "a b"
    assert len(title_from("x" * 500)) == 80


def _answer(usage: Usage, provider: str = "openai:gpt") -> Answer:
    return replace(ANSWER, provider=provider, usage=usage)


def test_usage_total_sums_answers_and_says_when_any_part_was_estimated(store):
    conv = store.create("o")
    assert store.usage_total(conv.id) == Usage()  # nothing answered yet
    store.add_message(conv.id, "user", "q1")
    store.add_message(conv.id, "assistant", "a1", _answer(Usage(1000, 200, 0.0003, False)))
    assert store.usage_total(conv.id) == Usage(1000, 200, 0.0003, False)
    store.add_message(conv.id, "user", "q2")
    store.add_message(conv.id, "assistant", "a2", _answer(Usage(), provider="offline"))  # no tokens, no price
    store.add_message(conv.id, "assistant", "a3", _answer(Usage(500, 100, 0.0002, True)))
    assert store.usage_total(conv.id) == Usage(1500, 300, 0.0005, True)
    other = store.create("o")
    store.add_message(other.id, "assistant", "a", _answer(Usage(7, 7, 1.0, False)))
    assert store.usage_total(conv.id).prompt_tokens == 1500  # other conversations never count


def test_usage_total_cost_is_unknown_when_an_answer_that_used_tokens_has_no_price(store):
    conv = store.create("o")
    store.add_message(conv.id, "assistant", "a1", _answer(Usage(100, 10, 0.5, False)))
    store.add_message(conv.id, "assistant", "a2", _answer(Usage(50, 5, None, False), provider="openai:local-model"))
    total = store.usage_total(conv.id)
    assert (total.prompt_tokens, total.completion_tokens, total.cost_usd) == (150, 15, None)
    text = export_markdown(store.get(conv.id), store.messages(conv.id))
    assert "_Conversation total: 150 prompt + 15 completion tokens, cost unknown (no price for the model)._" in text


def test_history_is_the_whole_conversation_and_the_prompt_bounds_it_by_tokens(store):
    conv = store.create("o")
    for i in range(10):
        store.add_message(conv.id, "user", f"question {i}")
        store.add_message(conv.id, "assistant", f"answer {i}", ANSWER)
    history = store.history(conv.id)
    assert len(history) == 20 and history[0] == ("user", "question 0") and history[-1] == ("assistant", "answer 9")
    assert store.history(conv.id, max_messages=2) == [("user", "question 9"), ("assistant", "answer 9")]
    # Short turns all fit a normal budget, far beyond any fixed message count.
    sent = [m.content for m in build_messages("and then?", (), history)]
    assert "question 0" in sent and "answer 9" in sent
    # A tight token budget keeps only the latest turns that fit, starting with a question.
    tight = [m.content for m in build_messages("and then?", (), history, replace(PromptBudget(), history_tokens=8))]
    assert "question 0" not in tight and "answer 9" in tight and tight[1].startswith("question")
