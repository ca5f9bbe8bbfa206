"""Conversations, messages, feedback and per-session settings, persisted in the app's SQLite database."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from src.core.errors import NotFound
from src.rag.generation.usage import add_usage
from src.rag.library import connect
from src.rag.planning.plan import plan_from_jsonable
from src.rag.serialize import to_jsonable
from src.rag.types import Answer, ChunkKind, CodeSample, Hit, Usage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations(owner, updated_at);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    answer TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages(conversation_id, id);
CREATE TABLE IF NOT EXISTS feedback (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS session_settings (
    owner TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""

TITLE_CHARS = 80
COMMENT_CHARS = 2000
THUMBS_UP, THUMBS_DOWN = 1, 0


@dataclass(frozen=True)
class Conversation:
    """One conversation of one owner (browser session or signed-in user)."""

    id: str
    owner: str
    title: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Feedback:
    """A thumbs up (1) or down (0) on one answer, with an optional comment."""

    rating: int
    comment: str = ""
    created_at: float = 0.0


@dataclass(frozen=True)
class StoredMessage:
    """One message of a conversation; assistant messages carry the full `Answer`."""

    id: int
    conversation_id: str
    role: str
    text: str
    created_at: float
    answer: Answer | None = None
    feedback: Feedback | None = None


@dataclass(frozen=True)
class AskedQuestion:
    """A user question paired with the answer it got (the unit insights are computed from)."""

    conversation_id: str
    question: str
    asked_at: float
    answer: Answer | None
    answer_message_id: int | None
    feedback: Feedback | None = None


def answer_to_json(answer: Answer) -> str:
    """Serialise an answer (sources, code, provider, degraded, unverified, usage) as JSON."""
    data = to_jsonable(answer)
    for hit in data["sources"]:
        hit["text"] = ""  # the chunk text is in the index; storing it per message only bloats the database
    return json.dumps(data, ensure_ascii=False)


def answer_from_json(raw: str | None) -> Answer | None:
    """Rebuild an answer stored by `answer_to_json` (tolerates older rows with missing keys)."""
    if not raw:
        return None
    d = json.loads(raw)
    sources = tuple(
        Hit(id=h.get("id", ""), api=h.get("api", ""), kind=ChunkKind(h.get("kind", "operation")),
            title=h.get("title", ""), source=h.get("source", ""), score=float(h.get("score", 0.0)),
            text=h.get("text", ""), method=h.get("method"), path=h.get("path"), metadata=h.get("metadata") or {})
        for h in d.get("sources", [])
    )
    code = tuple(CodeSample(c["language"], c["code"], c.get("label", "")) for c in d.get("code", []))
    usage = Usage(**{k: v for k, v in (d.get("usage") or {}).items() if k in Usage.__dataclass_fields__})
    return Answer(
        question=d.get("question", ""), text=d.get("text", ""), sources=sources, code=code,
        provider=d.get("provider", "offline"), degraded=bool(d.get("degraded")),
        degraded_reason=d.get("degraded_reason", ""), unverified=tuple(d.get("unverified", ())),
        usage=usage, cached=bool(d.get("cached")), plan=plan_from_jsonable(d.get("plan")),
    )


def total_usage(answers: Iterable[Answer]) -> Usage:
    """Sum the usage of answers; the cost is unknown (None) when any answer that used tokens has no price."""
    total, unpriced = Usage(), False
    for answer in answers:
        total = add_usage(total, answer.usage)
        used = answer.usage.prompt_tokens or answer.usage.completion_tokens
        unpriced = unpriced or (used > 0 and answer.usage.cost_usd is None)
    # A partial sum would understate the cost, so an unpriced answer makes the total unknown.
    return replace(total, cost_usd=None) if unpriced else total


def title_from(question: str) -> str:
    """Derive a conversation title from its first question (one line, capped)."""
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


class ConversationStore:
    """Reads and writes conversations, messages, feedback and session settings (thread-safe)."""

    def __init__(self, data_dir: Path) -> None:
        self._conn = connect(Path(data_dir))
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def _q(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    # --- conversations ------------------------------------------------------------------------------
    def create(self, owner: str, title: str = "New conversation") -> Conversation:
        """Start an empty conversation for an owner."""
        now = time.time()
        conv = Conversation(uuid.uuid4().hex, owner, title_from(title) or "New conversation", now, now)
        self._q("INSERT INTO conversations VALUES (?,?,?,?,?)", (conv.id, owner, conv.title, now, now))
        return conv

    def list(self, owner: str) -> list[Conversation]:
        """Return an owner's conversations, most recently active first."""
        rows = self._q("SELECT * FROM conversations WHERE owner = ? ORDER BY updated_at DESC, created_at DESC", (owner,))
        return [Conversation(*r) for r in rows]

    def search(self, owner: str, text: str, limit: int = 50) -> list[Conversation]:
        """Return an owner's conversations whose title or any message contains `text`, newest first."""
        words = text.split()
        if not words:
            return self.list(owner)[:limit]
        like = "%" + " ".join(words).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._q(
            "SELECT c.* FROM conversations c WHERE c.owner = ? AND (c.title LIKE ? ESCAPE '\\' OR EXISTS ("
            "SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.text LIKE ? ESCAPE '\\')) "
            "ORDER BY c.updated_at DESC, c.created_at DESC LIMIT ?", (owner, like, like, limit))
        return [Conversation(*r) for r in rows]

    def get(self, conversation_id: str, owner: str | None = None) -> Conversation:
        """Return one conversation (of this owner, when given) or raise NotFound."""
        rows = self._q("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if not rows or (owner is not None and rows[0][1] != owner):
            raise NotFound("That conversation no longer exists; pick another one or start a new conversation.")
        return Conversation(*rows[0])

    def rename(self, conversation_id: str, title: str, owner: str | None = None) -> Conversation:
        """Give a conversation a new title (blank titles are ignored)."""
        conv = self.get(conversation_id, owner)
        clean = title_from(title)
        if clean:
            self._q("UPDATE conversations SET title = ? WHERE id = ?", (clean, conv.id))
        return self.get(conv.id)

    def delete(self, conversation_id: str, owner: str | None = None) -> None:
        """Delete a conversation with its messages and their feedback."""
        conv = self.get(conversation_id, owner)
        self._q("DELETE FROM conversations WHERE id = ?", (conv.id,))

    # --- messages ---------------------------------------------------------------------------------------
    def add_message(self, conversation_id: str, role: str, text: str, answer: Answer | None = None) -> StoredMessage:
        """Append a message; the first user message also names an untitled conversation."""
        now = time.time()
        raw = answer_to_json(answer) if answer is not None else None
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO messages(conversation_id, role, text, answer, created_at) VALUES (?,?,?,?,?)",
                (conversation_id, role, text, raw, now),
            )
            self._conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
            if role == "user":
                self._conn.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title = 'New conversation'",
                    (title_from(text), conversation_id),
                )
            message_id = int(cur.lastrowid)
        return StoredMessage(message_id, conversation_id, role, text, now, answer)

    def messages(self, conversation_id: str) -> list[StoredMessage]:
        """Return a conversation's messages in order, answers and feedback included."""
        rows = self._q(
            "SELECT m.id, m.conversation_id, m.role, m.text, m.created_at, m.answer, f.rating, f.comment, f.created_at "
            "FROM messages m LEFT JOIN feedback f ON f.message_id = m.id WHERE m.conversation_id = ? ORDER BY m.id",
            (conversation_id,),
        )
        return [_message(r) for r in rows]

    def history(self, conversation_id: str, max_messages: int | None = None) -> list[tuple[str, str]]:
        """Return the conversation as (role, text) pairs, oldest first, for follow-up questions.

        The whole conversation is returned by default: the prompt builder keeps the most recent turns
        that fit its token budget, so a count cap here would only drop context that would have fit.
        """
        rows = self._q("SELECT role, text FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,))
        pairs = [(str(role), str(text)) for role, text in rows]
        return pairs[-max_messages:] if max_messages else pairs

    def usage_total(self, conversation_id: str) -> Usage:
        """Return the token usage and estimated cost of all answers in a conversation."""
        rows = self._q("SELECT answer FROM messages WHERE conversation_id = ? AND answer IS NOT NULL ORDER BY id",
                       (conversation_id,))
        return total_usage(a for a in (answer_from_json(r[0]) for r in rows) if a is not None)

    # --- feedback -----------------------------------------------------------------------------------------
    def set_feedback(self, message_id: int, rating: int, comment: str = "") -> Feedback:
        """Record (or replace) the thumbs up/down and comment on one answer."""
        if rating not in (THUMBS_UP, THUMBS_DOWN):
            raise ValueError("rating is 1 (thumbs up) or 0 (thumbs down)")
        fb = Feedback(rating, (comment or "").strip()[:COMMENT_CHARS], time.time())
        self._q("INSERT OR REPLACE INTO feedback VALUES (?,?,?,?)", (message_id, fb.rating, fb.comment, fb.created_at))
        return fb

    def clear_feedback(self, message_id: int) -> None:
        """Remove the feedback on one answer."""
        self._q("DELETE FROM feedback WHERE message_id = ?", (message_id,))

    # --- session settings ------------------------------------------------------------------------------
    def load_settings(self, owner: str) -> dict[str, Any]:
        """Return the settings an owner chose (empty when none were saved)."""
        rows = self._q("SELECT value FROM session_settings WHERE owner = ?", (owner,))
        return json.loads(rows[0][0]) if rows else {}

    def save_settings(self, owner: str, values: dict[str, Any]) -> None:
        """Persist an owner's settings (provider, model, temperature, top-k, selected APIs)."""
        self._q("INSERT OR REPLACE INTO session_settings VALUES (?,?,?)",
                (owner, json.dumps(values, ensure_ascii=False), time.time()))

    # --- insights feed ------------------------------------------------------------------------------------
    def asked_questions(self, owner: str | None = None, limit: int = 5000) -> list[AskedQuestion]:
        """Return each user question with the answer that followed it (all owners when `owner` is None)."""
        where, args = ("WHERE c.owner = ?", (owner,)) if owner is not None else ("", ())
        rows = self._q(
            "SELECT m.id, m.conversation_id, m.role, m.text, m.created_at, m.answer, f.rating, f.comment, f.created_at "
            f"FROM messages m JOIN conversations c ON c.id = m.conversation_id LEFT JOIN feedback f ON f.message_id = m.id "
            f"{where} ORDER BY m.conversation_id, m.id LIMIT ?",
            (*args, limit * 2),
        )
        return _pair(_message(r) for r in rows)

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()


def _message(r: tuple) -> StoredMessage:
    fb = Feedback(int(r[6]), r[7] or "", float(r[8])) if r[6] is not None else None
    return StoredMessage(int(r[0]), r[1], r[2], r[3], float(r[4]), answer_from_json(r[5]), fb)


def _pair(messages) -> list[AskedQuestion]:
    out: list[AskedQuestion] = []
    pending: StoredMessage | None = None
    for m in messages:
        if m.role == "user":
            if pending is not None:
                out.append(AskedQuestion(pending.conversation_id, pending.text, pending.created_at, None, None))
            pending = m
        elif m.role == "assistant" and pending is not None and pending.conversation_id == m.conversation_id:
            out.append(AskedQuestion(m.conversation_id, pending.text, pending.created_at, m.answer, m.id, m.feedback))
            pending = None
    if pending is not None:
        out.append(AskedQuestion(pending.conversation_id, pending.text, pending.created_at, None, None))
    return out
