"""Request bodies of the REST and OpenAI-compatible routes (they document themselves in /openapi.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from src.rag.keys import Scope
from src.rag.retrieval import SearchFilters
from src.rag.types import ChunkKind


class Filters(BaseModel):
    """Limits shared by search, ask and plan."""

    apis: list[str] = Field(default_factory=list, description="API ids to search (empty = all)")
    tags: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list, description="HTTP methods, e.g. GET")
    kinds: list[ChunkKind] = Field(default_factory=list)
    top_k: int | None = Field(default=None, ge=1, le=50)

    def search_filters(self) -> SearchFilters:
        """Return the retrieval filters."""
        return SearchFilters(tuple(self.apis), tuple(self.tags), tuple(self.methods), tuple(self.kinds))


class SearchRequest(Filters):
    """A hybrid search over the library."""

    query: str = Field(min_length=1, examples=["create an export job"])
    latest: bool = Field(default=False, description="only the newest version of each API")


class Turn(BaseModel):
    """One earlier turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str


class AskRequest(Filters):
    """A question; the answer comes as JSON, or as server-sent events with `stream: true`."""

    question: str = Field(min_length=1, examples=["How do I create an export job?"])
    history: list[Turn] = Field(default_factory=list, description="earlier turns, oldest first")
    stream: bool = False


class PlanRequest(Filters):
    """A task to plan as an ordered list of calls."""

    task: str = Field(min_length=1, examples=["create an export job, then check its status"])


class KeyRequest(BaseModel):
    """A new API key."""

    name: str = Field(min_length=1, max_length=64)
    scope: Scope = Scope.READ


class ChatMessage(BaseModel):
    """An OpenAI chat message; content may be a string or a list of text parts."""

    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict] | None = None

    def text(self) -> str:
        """Return the message's text (text parts joined)."""
        if isinstance(self.content, list):
            return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type", "text") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The subset of the OpenAI chat-completions request this endpoint reads; other fields are accepted."""

    model_config = ConfigDict(extra="allow")
    model: str = "apiassist"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
