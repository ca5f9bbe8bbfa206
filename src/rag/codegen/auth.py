"""Choose how a sample authenticates, from the security schemes the spec declares."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from src.rag.types import ApiSpec, AuthScheme, Operation


_TOKEN_JUNK = re.compile(r"[^A-Za-z0-9!#$%&'*+.^_`|~-]")


class AuthKind(str, enum.Enum):
    """Where the credential goes."""

    BEARER = "bearer"
    BASIC = "basic"
    HEADER = "header"
    QUERY = "query"
    COOKIE = "cookie"


@dataclass(frozen=True)
class AuthPlan:
    """The credential a sample sends and the environment variable(s) it is read from."""

    kind: AuthKind
    env: str
    name: str = ""
    env_password: str = ""
    scheme: str = ""


# A bearer token or API key needs one secret and one header, so samples prefer them over basic auth.
_ORDER = [AuthKind.BEARER, AuthKind.HEADER, AuthKind.QUERY, AuthKind.COOKIE, AuthKind.BASIC]


def plan_auth(spec: ApiSpec, op: Operation) -> AuthPlan | None:
    """Return the auth plan for ``op``: the simplest declared scheme, else a Postman Authorization header."""
    plans = _declared(spec, op)
    if plans:
        return min(plans, key=lambda p: _ORDER.index(p.kind))
    return _from_headers(op)


def shared_auth(calls: Sequence[tuple[ApiSpec, Operation]]) -> AuthPlan | None:
    """Return the simplest credential every call accepts (one script sends the same one on each call).

    When the calls share no declared scheme, the first call's own choice is returned.
    """
    def same(plan: AuthPlan) -> tuple[str, str, str, str]:
        return plan.kind.value, plan.env, plan.name, plan.env_password

    accepted = [{same(p): p for p in _declared(spec, op)} for spec, op in calls]
    common = [p for key, p in accepted[0].items() if all(key in other for other in accepted[1:])] if calls else []
    if common:
        return min(common, key=lambda p: _ORDER.index(p.kind))
    return plan_auth(*calls[0]) if calls else None


def _declared(spec: ApiSpec, op: Operation) -> list[AuthPlan]:
    names = op.security or spec.security or tuple(a.name for a in spec.auth_schemes)
    schemes = [s for s in (spec.auth_scheme(n) for n in names) if s is not None]
    return [p for p in (_plan(s) for s in schemes) if p is not None]


def _plan(scheme: AuthScheme) -> AuthPlan | None:
    kind = scheme.type.lower()
    http_scheme = scheme.scheme.lower()
    if kind == "http" and http_scheme == "basic" or kind == "basic":
        return AuthPlan(AuthKind.BASIC, "API_USERNAME", env_password="API_PASSWORD", scheme=scheme.name)
    if kind == "http" and http_scheme in {"bearer", ""} or kind in {"oauth2", "openidconnect", "bearer"}:
        return AuthPlan(AuthKind.BEARER, "API_TOKEN", scheme=scheme.name)
    if kind == "apikey" and scheme.param_name:
        where = {"header": AuthKind.HEADER, "query": AuthKind.QUERY, "cookie": AuthKind.COOKIE}
        loc = where.get(scheme.location.lower())
        # Header and cookie names are HTTP tokens; anything else in them could only break the request.
        name = scheme.param_name if loc == AuthKind.QUERY else _TOKEN_JUNK.sub("", scheme.param_name)
        return AuthPlan(loc, "API_KEY", name=name, scheme=scheme.name) if loc and name else None
    return None


def _from_headers(op: Operation) -> AuthPlan | None:
    """Postman requests carry auth as a literal header such as ``Bearer {{TOKEN}}``."""
    value = next((v for n, v in op.headers if n.lower() == "authorization"), None)
    if value is None:
        return None
    variable = re.search(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", value)
    env = variable.group(1).upper() if variable else "API_TOKEN"
    if value.strip().lower().startswith("basic"):
        return AuthPlan(AuthKind.BASIC, "API_USERNAME", env_password="API_PASSWORD")
    return AuthPlan(AuthKind.BEARER, env)
