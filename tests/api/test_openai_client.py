"""The official `openai` client, unchanged, against `apiassist serve`."""

from __future__ import annotations

import openai
import pytest

from src.rag.codegen import SUPPORTED_LANGUAGES
from tests.api.conftest import API


@pytest.fixture
def client(server) -> openai.OpenAI:
    """An OpenAI client pointed at our server with a read key."""
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.library.keys["read"], max_retries=0, timeout=120)


def test_models_list_the_library_and_each_api(client) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids == ["apiassist", f"apiassist:{API}"]


def test_chat_completion_carries_sources_and_code_in_text_and_extra_field(client) -> None:
    done = client.chat.completions.create(
        model="apiassist", messages=[{"role": "system", "content": "Be brief."},
                                     {"role": "user", "content": "How do I create an export job?"}])
    text = done.choices[0].message.content
    extra = done.model_extra["apiassist"]
    assert done.object == "chat.completion" and done.choices[0].finish_reason == "stop"
    assert "/v1/Exports/{ResourceType}/Jobs" in text and "### Sources" in text and "```python" in text
    assert extra["sources"][0]["path"] == "/v1/Exports/{ResourceType}/Jobs"
    assert {c["language"] for c in extra["code"]} == set(SUPPORTED_LANGUAGES)
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens


def test_streaming_chat_completion(client) -> None:
    stream = client.chat.completions.create(
        model=f"apiassist:{API}", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "How do I fetch an export job?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1]
    assert len(chunks) >= 3 and chunks[0].choices[0].delta.role == "assistant"
    assert last.choices[0].finish_reason == "stop" and last.usage is not None
    assert "/v1/Exports/Jobs/{JobSid}" in text and "### Sources" in text
    assert last.model_extra["apiassist"]["answer"].strip() in text


def test_follow_up_uses_the_conversation(client) -> None:
    done = client.chat.completions.create(model="apiassist", messages=[
        {"role": "user", "content": "How do I create an export job?"},
        {"role": "assistant", "content": "Use POST /v1/Exports/{ResourceType}/Jobs."},
        {"role": "user", "content": "And how do I delete it?"}])
    assert "DELETE" in done.choices[0].message.content


def test_wrong_key_and_unknown_model(server, client) -> None:
    wrong = openai.OpenAI(base_url=f"{server.url}/v1", api_key="aia_00000000_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as denied:
        wrong.models.list()
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(model="apiassist:nope@1", messages=[{"role": "user", "content": "hi there"}])
    with pytest.raises(openai.BadRequestError) as empty:
        client.chat.completions.create(model="apiassist", messages=[{"role": "user", "content": ""}])
    assert denied.value.body["type"] == "authentication_error" and "not valid" in denied.value.body["message"]
    assert "There is no API 'nope@1'" in unknown.value.body["message"]
    assert "non-empty user message" in empty.value.body["message"]
