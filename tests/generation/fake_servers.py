"""Real HTTP servers on 127.0.0.1 that stand in for LLM services in tests.

Usage::

    base_url, server = start_openai_server("healthy", reply="Use POST /v1/refunds.")
    try:
        ...  # point APIASSIST_LLM_BASE_URL (or a ProviderConfig) at base_url
        assert server.requests[0].body["messages"]
    finally:
        server.close()

``start_openai_server`` speaks the OpenAI chat-completions protocol at ``/v1/chat/completions``
(JSON, or SSE when the request has ``"stream": true``; the final chunk carries ``usage`` when
``stream_options.include_usage`` is set). ``start_ollama_server`` speaks Ollama's ``/api/chat``
(NDJSON streaming unless ``"stream": false``). Both take ``mode``: one of :data:`MODES`, or a
list of modes used for successive requests (the last one repeats), and can be switched later
with ``server.set_mode(...)``. ``facts`` maps other paths (``/props``, ``/tokenize``,
``/api/show``) to a function of the request body returning the JSON reply. Every chat request is recorded in ``server.requests`` (other
paths, such as busy probes, in ``server.probes``);
``server.open_connections`` counts connections currently open and ``server.completed_streams``
the streamed replies delivered in full.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODES = ("healthy", "error500", "rate_limited", "slow", "hang", "malformed", "cut",
         "bad_request", "unauthorized", "context_length")
DEFAULT_REPLY = "To refund a charge, call POST /v1/refunds with the charge id [#/paths/~1v1~1refunds/post]."


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any
    mode: str
    at: float = field(default_factory=time.monotonic)


class FakeLLMServer(ThreadingHTTPServer):
    """A threaded loopback server that answers like an LLM service in a chosen fault mode."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, protocol: str, mode: str | Sequence[str], reply: str, delay_s: float,
                 retry_after: str, facts: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _OllamaHandler if protocol == "ollama" else _OpenAIHandler)
        self.protocol = protocol
        self.reply = reply
        self.delay_s = delay_s
        self.retry_after = retry_after
        self.requests: list[RecordedRequest] = []  # chat requests only
        self.probes: list[str] = []  # paths of every other request (busy probes, tokenizer look-ups)
        # path -> request body -> JSON reply, for what a server tells about itself (/props, /tokenize ...)
        self.facts = dict(facts or {})
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._modes: list[str] = []
        self._conns: set[socket.socket] = set()
        self.connections_accepted = 0
        self.completed_streams = 0
        self.set_mode(mode)
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        """Return the URL a client is configured with (``/v1`` for OpenAI, the root for Ollama)."""
        root = f"http://127.0.0.1:{self.server_address[1]}"
        return root + "/v1" if self.protocol == "openai" else root

    @property
    def open_connections(self) -> int:
        """Return how many client connections are open right now."""
        with self._lock:
            return len(self._conns)

    def set_mode(self, mode: str | Sequence[str]) -> None:
        """Switch the fault mode (a list applies to successive requests, the last one repeating)."""
        modes = [mode] if isinstance(mode, str) else list(mode)
        unknown = [m for m in modes if m not in MODES]
        if unknown or not modes:
            raise ValueError(f"unknown mode(s) {unknown}; choose from {MODES}")
        with self._lock:
            self._modes = modes
            self._served_in_mode = 0

    def next_mode(self) -> str:
        """Return the mode for the next request and advance the sequence."""
        with self._lock:
            mode = self._modes[min(self._served_in_mode, len(self._modes) - 1)]
            self._served_in_mode += 1
            return mode

    def track(self, conn: socket.socket, opened: bool) -> None:
        """Count a connection opening or closing."""
        with self._lock:
            if opened:
                self._conns.add(conn)
                self.connections_accepted += 1
            else:
                self._conns.discard(conn)

    def start(self) -> FakeLLMServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, release hanging handlers and wait for every handler thread to finish."""
        self.stopping.set()
        self.shutdown()
        with self._lock:
            for conn in list(self._conns):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _tokens(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text) or [text]


class _BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # an idle keep-alive connection is dropped after this long
    server: FakeLLMServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, *_: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        """Answer a configured fact (e.g. ``/props``) or the busy probe (model list / version) at once."""
        self.server.probes.append(self.path)
        if self.path in self.server.facts:
            return self._json(200, self.server.facts[self.path]({}))
        self._json(200, {"object": "list", "data": []})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if not self.path.endswith(self.chat_path):  # a tokenizer or model-info endpoint
            self.server.probes.append(self.path)
            if self.path in self.server.facts:
                return self._json(200, self.server.facts[self.path](body if isinstance(body, dict) else {}))
            return self._json(404, self.error_body("not found"))
        mode = self.server.next_mode()
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append(RecordedRequest("POST", self.path, headers, body, mode))
        self.dispatch(mode, body if isinstance(body, dict) else {})

    chat_path = ""

    def dispatch(self, mode: str, body: dict[str, Any]) -> None:
        statuses = {"error500": (500, "internal error"), "bad_request": (400, "invalid request"),
                    "unauthorized": (401, "invalid api key"),
                    "context_length": (400, "This model's maximum context length is 8192 tokens; "
                                            "context_length_exceeded")}
        if mode in statuses:
            status, message = statuses[mode]
            return self._json(status, self.error_body(message))
        if mode == "rate_limited":
            return self._json(429, self.error_body("rate limited"), {"Retry-After": self.server.retry_after})
        if mode == "hang":
            return self._hang()
        streaming = self.wants_stream(body)
        if not streaming:
            if mode == "slow":
                self._sleep(self.server.delay_s * len(_tokens(self.server.reply)))
            payload = b"{not json" if mode == "malformed" else json.dumps(self.complete(body)).encode()
            return self._send(200, payload, "application/json")
        self._stream(mode, body)

    def _stream(self, mode: str, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", self.stream_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if mode == "malformed":
            self._chunk(self.malformed_event)
            return self._end()
        tokens = _tokens(self.server.reply)
        for i, token in enumerate(tokens):
            if mode == "cut" and i == 2:
                self.connection.shutdown(socket.SHUT_RDWR)  # vanish mid-stream, no terminating chunk
                self.close_connection = True
                return
            if mode == "slow" and i:
                self._sleep(self.server.delay_s)
            if not self._chunk(self.delta_event(body, token)):
                return  # the client hung up: stop like a real server would
        for event in self.final_events(body, len(tokens)):
            self._chunk(event)
        if self._chunk(b""):  # the terminating chunk reached a client that was still listening
            with self.server._lock:
                self.server.completed_streams += 1

    def _chunk(self, data: bytes) -> bool:
        """Send one chunk; return False once the client has gone away."""
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
            return True
        except OSError:
            self.close_connection = True
            return False

    def _end(self) -> None:
        self._chunk(b"")

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _sleep(self, seconds: float) -> None:
        self.server.stopping.wait(seconds)

    def _hang(self) -> None:
        """Never answer; return when the client gives up (EOF) or the server stops."""
        self.close_connection = True
        while not self.server.stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return
                except OSError:
                    return

    # --- protocol specifics, overridden below -------------------------------------------------
    stream_type = "text/plain"
    malformed_event = b"{not json"

    def wants_stream(self, body: dict[str, Any]) -> bool:
        raise NotImplementedError

    def error_body(self, message: str) -> dict[str, Any]:
        raise NotImplementedError

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def delta_event(self, body: dict[str, Any], token: str) -> bytes:
        raise NotImplementedError

    def final_events(self, body: dict[str, Any], completion_tokens: int) -> list[bytes]:
        raise NotImplementedError


def _prompt_tokens(body: dict[str, Any]) -> int:
    return sum(len(str(m.get("content", ""))) for m in body.get("messages") or []) // 4


class _OpenAIHandler(_BaseHandler):
    chat_path = "/chat/completions"
    stream_type = "text/event-stream"
    malformed_event = b"data: {not json\n\n"

    def wants_stream(self, body: dict[str, Any]) -> bool:
        return bool(body.get("stream"))

    def error_body(self, message: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": "fake_error", "code": None}}

    def _chunk_obj(self, body: dict[str, Any], choices: list[Any], **extra: Any) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model", "fake"), "choices": choices, **extra}

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        tokens = _tokens(self.server.reply)
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": self.server.reply}}],
                "usage": {"prompt_tokens": _prompt_tokens(body), "completion_tokens": len(tokens),
                          "total_tokens": _prompt_tokens(body) + len(tokens)}}

    def delta_event(self, body: dict[str, Any], token: str) -> bytes:
        choice = {"index": 0, "delta": {"role": "assistant", "content": token}, "finish_reason": None}
        return b"data: " + json.dumps(self._chunk_obj(body, [choice])).encode() + b"\n\n"

    def final_events(self, body: dict[str, Any], completion_tokens: int) -> list[bytes]:
        stop = self._chunk_obj(body, [{"index": 0, "delta": {}, "finish_reason": "stop"}])
        events = [b"data: " + json.dumps(stop).encode() + b"\n\n"]
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": _prompt_tokens(body), "completion_tokens": completion_tokens,
                     "total_tokens": _prompt_tokens(body) + completion_tokens}
            events.append(b"data: " + json.dumps(self._chunk_obj(body, [], usage=usage)).encode() + b"\n\n")
        return [*events, b"data: [DONE]\n\n"]


class _OllamaHandler(_BaseHandler):
    chat_path = "/api/chat"
    stream_type = "application/x-ndjson"
    malformed_event = b"{not json\n"

    def wants_stream(self, body: dict[str, Any]) -> bool:
        return body.get("stream", True) is not False

    def error_body(self, message: str) -> dict[str, Any]:
        return {"error": message}

    def _obj(self, body: dict[str, Any], content: str, done: bool, **extra: Any) -> dict[str, Any]:
        return {"model": body.get("model", "fake"), "created_at": "2024-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": content}, "done": done, **extra}

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._obj(body, self.server.reply, True, done_reason="stop",
                         prompt_eval_count=_prompt_tokens(body), eval_count=len(_tokens(self.server.reply)))

    def delta_event(self, body: dict[str, Any], token: str) -> bytes:
        return json.dumps(self._obj(body, token, False)).encode() + b"\n"

    def final_events(self, body: dict[str, Any], completion_tokens: int) -> list[bytes]:
        final = self._obj(body, "", True, done_reason="stop", prompt_eval_count=_prompt_tokens(body),
                          eval_count=completion_tokens)
        return [json.dumps(final).encode() + b"\n"]


def start_openai_server(mode: str | Sequence[str] = "healthy", *, reply: str = DEFAULT_REPLY,
                        delay_s: float = 0.05, retry_after: str = "1",
                        facts: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> tuple[str, FakeLLMServer]:
    """Start an OpenAI-compatible server; return its base URL (ending in ``/v1``) and the server."""
    server = FakeLLMServer("openai", mode, reply, delay_s, retry_after, facts).start()
    return server.base_url, server


def start_ollama_server(mode: str | Sequence[str] = "healthy", *, reply: str = DEFAULT_REPLY,
                        delay_s: float = 0.05, retry_after: str = "1",
                        facts: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> tuple[str, FakeLLMServer]:
    """Start an Ollama-compatible server; return its base URL and the server."""
    server = FakeLLMServer("ollama", mode, reply, delay_s, retry_after, facts).start()
    return server.base_url, server


def dead_url(path: str = "/v1") -> str:
    """Return a loopback URL on a port where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"
