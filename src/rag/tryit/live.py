"""Live mode: send the user's request to one of the spec's own servers, with their token, logging neither."""

from __future__ import annotations

import time

import httpx

from src.core.errors import InputRejected
from src.core.logging import get_logger
from src.rag.codegen.auth import AuthKind
from src.rag.tryit.draft import RequestDraft
from src.rag.tryit.guard import check_target
from src.rag.tryit.model import TryResponse

log = get_logger(__name__)
MAX_BODY_BYTES = 1_000_000  # a pretty body longer than this is cut; the browser would choke on more
TIMEOUT_S = 15.0


def send_live(draft: RequestDraft, token: str = "", *, allow_private: bool = False,
              timeout_s: float = TIMEOUT_S) -> TryResponse:
    """Send `draft` to its chosen server; raise InputRejected (one sentence) when the target is refused."""
    url = draft.url()
    check_target(url, draft.servers, allow_private=allow_private)
    headers, params = dict(draft.headers), {}
    _apply_token(draft, token.strip(), headers, params)
    if draft.body and draft.content_type:
        headers.setdefault("Content-Type", draft.content_type)
    started = time.perf_counter()
    try:
        # Redirects are not followed: a redirect could point anywhere, past the server check.
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
            resp = client.request(draft.method, url, headers=headers, params=params or None,
                                  content=draft.body.encode() if draft.body else None)
    except httpx.TimeoutException as err:
        raise InputRejected(f"The server did not answer within {timeout_s:.0f} s; try again later.") from err
    except httpx.HTTPError as err:
        raise InputRejected(f"The request could not be sent ({type(err).__name__}); check the server URL.") from err
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    # Host and status only: the URL's query and the headers may carry the user's token.
    log.info("tryit.live", host=httpx.URL(url).host, status=resp.status_code, ms=elapsed)
    return TryResponse(resp.status_code, resp.reason_phrase, tuple(resp.headers.items()),
                       resp.content[:MAX_BODY_BYTES].decode("utf-8", "replace"), elapsed, mocked=False, url=url)


def _apply_token(draft: RequestDraft, token: str, headers: dict[str, str], params: dict[str, str]) -> None:
    if not token:
        return
    if any(c in token for c in "\r\n"):
        raise InputRejected("The token contains a line break; paste it on one line.")
    plan = draft.auth
    kind = plan.kind if plan is not None else AuthKind.BEARER
    if kind == AuthKind.HEADER:
        headers[plan.name] = token
    elif kind == AuthKind.QUERY:
        params[plan.name] = token
    elif kind == AuthKind.COOKIE:
        headers["Cookie"] = f"{plan.name}={token}"
    elif kind == AuthKind.BASIC:
        headers["Authorization"] = "Basic " + token if ":" not in token else _basic(token)
    else:
        headers["Authorization"] = f"Bearer {token}"


def _basic(user_password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(user_password.encode()).decode()
