"""With an LLM configured the plan goes into the grounded prompt and its calls are verified like any claim."""

from __future__ import annotations

from src.rag.generation.answers import llm_answer
from src.rag.generation.prompt import build_messages
from src.rag.planning.plan import PlanInput, PlanStep
from src.rag.types import Answer, Usage

PLAN = (PlanStep("tune@1", "POST", "/users/{user_id}/playlists", "#/paths/~1users~1{user_id}~1playlists/post"),
        PlanStep("tune@1", "POST", "/playlists/{playlist_id}/tracks", "#/paths/~1playlists~1{playlist_id}~1tracks/post",
                 (PlanInput("playlist_id", "step", 1, "id", location="path"),)))


def test_plan_is_part_of_the_grounded_prompt():
    prompt = build_messages("make a playlist and add tracks", [], plan=PLAN)[-1].content
    assert "1. POST /users/{user_id}/playlists" in prompt
    assert "2. POST /playlists/{playlist_id}/tracks" in prompt and "playlist_id from step 1 field id" in prompt
    assert "Integration plan" not in build_messages("one call", [], plan=PLAN[:1])[-1].content


def test_plan_calls_are_verified_against_the_index():
    offline = Answer(question="q", text="", plan=PLAN)
    known = ({"POST /users/{user_id}/playlists"}, {"#/paths/~1users~1{user_id}~1playlists/post"})
    answer = llm_answer("q", "Create it, then add tracks.", "fake", Usage(), offline, known)
    assert answer.plan == PLAN
    assert "POST /playlists/{playlist_id}/tracks" in answer.unverified
    assert "POST /users/{user_id}/playlists" not in answer.unverified
