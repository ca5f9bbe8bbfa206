"""Read one Postman request item (URL, headers, auth, body, saved responses) into an `Operation`."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from src.rag.parsing.base import as_dict, as_list, text_of
from src.rag.parsing.inferred import fields_from_value
from src.rag.parsing.redact import Redactor, is_placeholder
from src.rag.types import AuthScheme, Operation, Parameter, RequestBody, Response, SchemaField

_URL = re.compile(r"^(?:(?P<scheme>[A-Za-z][\w+.-]*)://)?(?P<host>[^/?#]*)(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?")
_VAR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
# Auth entries that configure the scheme rather than hold a credential.
AUTH_SETTINGS = {"key", "in", "type", "addtokento", "headerprefix", "tokentype", "grant_type", "authurl", "accesstokenurl",
                 "scope", "client_authentication", "algorithm", "realm", "service", "region", "savehelperdata",
                 "showpassword", "tokenname", "redirect_uri", "usebrowser", "challengealgorithm", "qop", "nonce_count"}
_LANG_TYPES = {"json": "application/json", "xml": "application/xml", "html": "text/html", "text": "text/plain", "javascript": "application/javascript"}


def pm_text(value: Any) -> str:
    """Read a Postman description: a string or a {content, type} object."""
    return text_of(as_dict(value).get("content")) if isinstance(value, dict) else text_of(value)


def auth_scheme(auth: dict[str, Any]) -> tuple[str, AuthScheme] | None:
    """Return the (name, scheme) a Postman auth object declares, or None for no auth."""
    kind = text_of(auth.get("type")).lower()
    if not kind or kind == "noauth":
        return None
    if kind == "bearer":
        return "bearerAuth", AuthScheme(name="bearerAuth", type="http", scheme="bearer")
    if kind == "basic":
        return "basicAuth", AuthScheme(name="basicAuth", type="http", scheme="basic")
    if kind == "apikey":
        entries = _auth_entries(auth, kind)
        location = text_of(entries.get("in")) or "header"
        return "apiKeyAuth", AuthScheme(name="apiKeyAuth", type="apiKey", location=location, param_name=text_of(entries.get("key")) or "X-API-Key")
    if kind == "oauth2":
        return "oauth2", AuthScheme(name="oauth2", type="oauth2")
    return kind, AuthScheme(name=kind, type="http", scheme=kind)


def _auth_entries(auth: dict[str, Any], kind: str) -> dict[str, Any]:
    """Return an auth object's settings as a dict (v2.1 lists of {key, value}; v2.0 plain objects)."""
    raw = auth.get(kind)
    if isinstance(raw, dict):
        return raw
    return {text_of(e.get("key")): e.get("value") for e in as_list(raw) if isinstance(e, dict)}


class RequestReader:
    """Turns request items into operations; remembers each request's base URL and derived auth schemes."""

    def __init__(self, redactor: Redactor, variables: dict[str, str]) -> None:
        self.redactor = redactor
        self.variables = variables
        self.bases: dict[str, str] = {}
        self.schemes: dict[str, AuthScheme] = {}

    def operation(self, item: dict[str, Any], folders: tuple[str, ...], inherited: tuple[dict[str, Any], str],
                  ptr: str) -> Operation | None:
        """Build the operation for one request item; `inherited` is its folder's or collection's auth and pointer."""
        request = item.get("request")
        request = {"url": request, "method": "GET"} if isinstance(request, str) else as_dict(request)
        base, path, query, path_params = self._url(request.get("url"))
        headers, header_auth, content_type = self._headers(request.get("header"))
        security = self._security(request, inherited, header_auth, ptr)
        self.bases[ptr] = base
        name = self.redactor.text(text_of(item.get("name")))
        return Operation(
            method=(text_of(request.get("method")) or "GET").upper()[:16],
            path=path,
            summary=name,
            description=self.redactor.text(pm_text(request.get("description")) or pm_text(item.get("description"))),
            tags=folders,
            parameters=tuple(path_params + query),
            request_body=self._body(as_dict(request.get("body")), content_type),
            responses=tuple(self._response(r) for r in as_list(item.get("response"))[:10] if isinstance(r, dict)),
            security=security,
            pointer=ptr,
            headers=tuple(headers),
        )

    def _resolve(self, text: str, for_path: bool) -> str:
        """Substitute known collection variables; unknown ones stay `{{name}}` (or `{name}` in paths)."""
        def sub(m: re.Match[str]) -> str:
            """Replace one `{{name}}` reference."""
            name = m.group(1)
            if name in self.variables and not self.variables[name].startswith("{{"):
                return self.variables[name]
            return "{" + name + "}" if for_path else "{{" + name + "}}"
        return _VAR.sub(sub, text)

    def _url(self, url: Any) -> tuple[str, str, list[Parameter], list[Parameter]]:
        """Split a request URL into base, path (variables as `{name}`), query and path parameters."""
        raw = _raw_url(url)
        host_part = raw.split("/", 1)[0] if "://" not in raw else "/".join(raw.split("/", 3)[:3])
        resolved = self._resolve(host_part, False) + raw[len(host_part):]
        m = _URL.match(resolved.strip())
        scheme, host, path, qs = (m.group("scheme"), m.group("host"), m.group("path") or "/", m.group("query") or "") if m else ("", "", "/", "")
        if "&" in path and "=" in path:
            path, _, extra = path.partition("&")
            qs = f"{qs}&{extra}" if qs else extra
        path = self._resolve(path, True)
        path = re.sub(r"/:([A-Za-z_][\w-]*)", r"/{\1}", path)
        path = re.sub(r"<([^<>/]+)>", lambda mm: "{" + re.sub(r"\W+", "_", mm.group(1)).strip("_") + "}", path)
        base = f"{scheme}://{host}" if scheme else host
        variables = {text_of(v.get("key")): v for v in as_list(as_dict(url).get("variable")) if isinstance(v, dict)}
        path_params = [self._param(n, "path", variables.get(n, {}).get("value"), pm_text(variables.get(n, {}).get("description")), True)
                       for n in dict.fromkeys(re.findall(r"\{([^{}]+)\}", path))]
        return base.rstrip("/"), path, self._query(url, qs), path_params

    def _query(self, url: Any, qs: str) -> list[Parameter]:
        """Return query parameters from the structured list (enabled ones) or the raw query string."""
        listed = [q for q in as_list(as_dict(url).get("query")) if isinstance(q, dict) and not q.get("disabled")]
        pairs = [(text_of(q.get("key")), q.get("value"), pm_text(q.get("description"))) for q in listed]
        if not listed:
            pairs = [(k, v, "") for k, v in parse_qsl(qs, keep_blank_values=True)]
        seen: dict[str, Parameter] = {}
        for key, value, desc in pairs:
            if key and key not in seen:
                seen[key] = self._param(key, "query", value, desc, False)
        return list(seen.values())

    def _param(self, name: str, location: str, value: Any, description: str, required: bool) -> Parameter:
        """Describe one parameter; its example is the saved value unless secret or a dummy."""
        value = self.redactor.value(name, value) if isinstance(value, str) else value
        example = None if not isinstance(value, (str, int, float)) or (isinstance(value, str) and (is_placeholder(value) or value.startswith("{{"))) else value
        return Parameter(name=name, location=location, required=required, type="string",
                         description=self.redactor.text(description), example=example)

    def _headers(self, raw: Any) -> tuple[list[tuple[str, str]], str, str]:
        """Return redacted headers, the auth scheme an Authorization header implies, and the content type."""
        if isinstance(raw, str):
            raw = [{"key": k.strip(), "value": v.strip()} for k, _, v in (ln.partition(":") for ln in raw.splitlines()) if k.strip()]
        headers, auth, content_type = [], "", ""
        for header in as_list(raw):
            header = as_dict(header)
            key, value = text_of(header.get("key")), header.get("value")
            if not key or header.get("disabled") or not isinstance(value, (str, int, float)):
                continue
            value = str(value)
            if key.lower() == "authorization":
                auth = self._header_auth(value)
                continue
            if key.lower() == "content-type":
                content_type = value.split(";")[0].strip()
            headers.append((key, self.redactor.value(key, value)))
        return headers, auth, content_type

    def _header_auth(self, value: str) -> str:
        """Turn an explicit Authorization header into an auth scheme name (its value is dropped)."""
        kind = value.strip().split(" ", 1)[0].lower()
        self.redactor.value("authorization", value)
        name, scheme = {"bearer": ("bearerAuth", "bearer"), "basic": ("basicAuth", "basic")}.get(kind, ("authorizationHeader", ""))
        self.schemes.setdefault(name, AuthScheme(name=name, type="http" if scheme else "apiKey", scheme=scheme,
                                                 location="" if scheme else "header", param_name="" if scheme else "Authorization"))
        return name

    def _security(self, request: dict[str, Any], inherited: tuple[dict[str, Any], str], header_auth: str,
                  ptr: str) -> tuple[str, ...]:
        """Pick the request's auth: its own, else its folder's or collection's, else an Authorization header."""
        auth = request.get("auth")
        auth, where = (as_dict(auth), f"{ptr}/request/auth") if isinstance(auth, dict) and auth.get("type") else inherited
        self._count_secrets(auth)
        found = auth_scheme(auth)
        if found:
            self.schemes.setdefault(found[0], found[1])
            self._cite(found[0], where)
            return (found[0],)
        if header_auth:
            self._cite(header_auth, f"{ptr}/request/header")
        return (header_auth,) if header_auth else ()

    def _cite(self, name: str, where: str) -> None:
        """Give a known scheme the pointer of the first place that declares it, so answers can cite it."""
        known = self.schemes[name]
        if not known.pointer:
            self.schemes[name] = dataclasses.replace(known, pointer=where)

    def _count_secrets(self, auth: dict[str, Any]) -> None:
        """Remember every credential value of an auth object so it can never leak into the spec."""
        kind = text_of(auth.get("type")).lower()
        for key, value in _auth_entries(auth, kind).items() if kind else ():
            if isinstance(value, str) and value.strip() and key.lower() not in AUTH_SETTINGS and not is_placeholder(value):
                if value.strip() not in self.redactor.secrets:
                    self.redactor.secrets.add(value.strip())
                    self.redactor.count += 1

    def _body(self, body: dict[str, Any], content_type: str) -> RequestBody | None:
        """Describe a raw, urlencoded, form-data, GraphQL or file body."""
        mode = text_of(body.get("mode"))
        if not mode or body.get("disabled"):
            return None
        if mode in ("urlencoded", "formdata"):
            return self._form_body(mode, as_list(body.get(mode)))
        if mode == "graphql":
            gql = as_dict(body.get("graphql"))
            variables = json_or_none(text_of(gql.get("variables")))
            example = {"query": text_of(gql.get("query")), "variables": self.redactor.data(variables) if variables else {}}
            return RequestBody(content_type="application/json", example=example, raw_example=example["query"],
                               fields=(SchemaField("query", "string", True), SchemaField("variables", "object")))
        if mode == "raw":
            return self._raw_body(body, content_type)
        return RequestBody(content_type=content_type or "application/octet-stream")

    def _raw_body(self, body: dict[str, Any], content_type: str) -> RequestBody:
        """Describe a raw body; JSON becomes a redacted example with inferred fields."""
        raw = body.get("raw") if isinstance(body.get("raw"), str) else ""
        language = text_of(as_dict(as_dict(body.get("options")).get("raw")).get("language")).lower()
        parsed = json_or_none(raw)
        content_type = content_type or _LANG_TYPES.get(language, "application/json" if parsed is not None else "text/plain")
        if parsed is not None:
            example = self.redactor.data(parsed)
            return RequestBody(content_type=content_type, fields=fields_from_value(example), example=example)
        return RequestBody(content_type=content_type, raw_example=self.redactor.text(raw[:20000]))

    def _form_body(self, mode: str, entries: list[Any]) -> RequestBody:
        """Describe urlencoded or multipart form fields."""
        fields = []
        for entry in entries:
            entry = as_dict(entry)
            key = text_of(entry.get("key"))
            if not key or entry.get("disabled"):
                continue
            kind = "file" if entry.get("type") == "file" else "string"
            value = self.redactor.value(key, entry.get("value")) if kind == "string" else None
            example = value if isinstance(value, str) and value and not is_placeholder(value) else None
            fields.append(SchemaField(name=key, type=kind, description=self.redactor.text(pm_text(entry.get("description"))), example=example))
        content_type = "multipart/form-data" if mode == "formdata" else "application/x-www-form-urlencoded"
        example = {f.name: f.example for f in fields if f.example is not None} or None
        return RequestBody(content_type=content_type, fields=tuple(fields), example=example)

    def _response(self, saved: dict[str, Any]) -> Response:
        """Describe a saved example response."""
        headers = {text_of(h.get("key")).lower(): text_of(h.get("value")) for h in as_list(saved.get("header")) if isinstance(h, dict)}
        body = saved.get("body") if isinstance(saved.get("body"), str) else ""
        parsed = json_or_none(body)
        example = self.redactor.data(parsed) if parsed is not None else None
        code = saved.get("code")
        return Response(status=str(code) if isinstance(code, int) else "default",
                        description=self.redactor.text(text_of(saved.get("name")) or text_of(saved.get("status"))),
                        content_type=headers.get("content-type", "").split(";")[0],
                        fields=fields_from_value(example, depth=1) if example is not None else (),
                        example=example)


def _raw_url(url: Any) -> str:
    """Return the URL text of a Postman URL (string, or object with raw or parts)."""
    if isinstance(url, str):
        return url.strip()
    url = as_dict(url)
    if text_of(url.get("raw")):
        return text_of(url.get("raw"))
    host = url.get("host")
    host = ".".join(text_of(h) for h in host) if isinstance(host, list) else text_of(host)
    path = url.get("path")
    path = "/".join(text_of(p.get("value")) if isinstance(p, dict) else text_of(p) for p in path) if isinstance(path, list) else text_of(path)
    scheme = text_of(url.get("protocol"))
    return (f"{scheme}://" if scheme else "") + host + ("/" + path.lstrip("/") if path else "")


def json_or_none(text: str) -> Any:
    """Parse JSON text, treating unquoted `{{var}}` placeholders as strings; None when it is not JSON."""
    text = (text or "").strip()
    if not text or text[0] not in "{[":
        return None
    for candidate in (text, re.sub(r'(?<!")(\{\{[^{}]+\}\})(?!")', r'"\1"', text)):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None

