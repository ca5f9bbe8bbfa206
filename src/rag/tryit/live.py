"""Live mode: send the user's request to one of the spec's own servers, with their token, logging neither."""

from __future__ import annotations

import ssl
import time

import httpx

from src.core.errors import InputRejected, causes
from src.core.logging import get_logger
from src.rag.codegen.auth import AuthKind
from src.rag.tryit.draft import RequestDraft
from src.rag.tryit.guard import Resolver, check_target, resolve_host
from src.rag.tryit.pinned import PinnedTransport
from src.rag.tryit.model import TryResponse

log = get_logger(__name__)
MAX_BODY_BYTES = 1_000_000  # a pretty body longer than this is cut; the browser would choke on more
TIMEOUT_S = 15.0


def send_live(draft: RequestDraft, token: str = "", *, allow_private: bool = False,
              timeout_s: float = TIMEOUT_S, resolve: Resolver = resolve_host,
              verify: ssl.SSLContext | bool = True) -> TryResponse:
    """Send `draft` to its chosen server; raise InputRejected (one sentence) when the target is refused.

    The host is resolved once (through `resolve`), every address is checked, and the connection goes to
    a checked address while the Host header, TLS name and certificate check keep the host name.
    """
    url = draft.url()
    addresses = check_target(url, draft.servers, allow_private=allow_private, resolve=resolve)
    transport = PinnedTransport(httpx.URL(url).host, addresses, verify=verify)
    headers, params = dict(draft.headers), {}
    _apply_token(draft, token.strip(), headers, params)
    if draft.body and draft.content_type:
        headers.setdefault("Content-Type", draft.content_type)
    started = time.perf_counter()
    try:
        # Redirects are not followed (the 3xx is shown as it came): a redirect could point anywhere, past the
        # check. trust_env=False: no proxy from the environment, and no .netrc credentials for this host.
        with httpx.Client(transport=transport, timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
            resp = client.request(draft.method, url, headers=headers, params=params or None,
                                  content=draft.body.encode() if draft.body else None)
    except httpx.TimeoutException as err:
        raise InputRejected(f"The server did not answer within {timeout_s:.0f} s; try again later.") from err
    except httpx.HTTPError as err:
        if any(isinstance(e, ssl.SSLCertVerificationError) for e in causes(err)):
            raise InputRejected(f"The server's certificate is not valid for {httpx.URL(url).host}, so the request "
                                "was not sent; check the server URL.") from err
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
