"""The guard in front of every route of the chat's server (pure ASGI, outermost).

- Host allow-list: a request whose Host is not one the operator named
  (127.0.0.1, localhost, ::1 by default; CASECHAT_ALLOWED_HOSTS) gets 421 on
  every route, websockets included (no DNS rebinding).
- Origins: a state-changing request (POST, PUT, PATCH, DELETE) from a page of
  another origin gets 403; CORS headers are only sent for the origins in
  CASECHAT_CORS_ORIGINS (Gradio's own CORS answer is removed), never with
  credentials.
- Bodies over CASECHAT_MAX_BODY_KB (uploads: the upload limit) get 413, also
  when they come without Content-Length.
- Uploads (Gradio's /gradio_api/upload, and any multipart body, e.g. its
  /process_recording) need a live editor session (casechat/library/sessions.py);
  anyone else gets 403.
- Every answer carries Content-Security-Policy (frame-ancestors 'none'),
  X-Frame-Options DENY, X-Content-Type-Options nosniff and Referrer-Policy.

X-Forwarded-For is applied by uvicorn only from the proxies the operator names
(CASECHAT_FORWARDED_ALLOW_IPS / --forwarded-allow-ips; `trust_proxies`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from base.errors import AccessError
from base.settings import ServerSettings
from casechat.library.sessions import COOKIE, Sessions

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
UPLOAD_SUFFIX = "/gradio_api/upload"
#: Gradio evaluates the page's event scripts with `new Function`, so scripts need
#: 'unsafe-eval'; its config is in inline scripts, which an HTML page's policy allows by
#: their SHA-256 (`page_headers`), not with 'unsafe-inline' (kept only for other answers,
#: which are not pages). Checked in Chromium by tests/test_reverse_proxy.py.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_INLINE = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with ours added; a stricter policy the route set itself (the originals'
    sandbox) is kept, with frame-ancestors 'none' added if it lacks it."""
    names = {k for k, _ in headers}
    out = []
    for key, value in headers:
        if key == b"content-security-policy" and b"frame-ancestors" not in value:
            value = value.rstrip(b"; ") + b"; frame-ancestors 'none'"
        out.append((key, value))
    return out + [(k, v) for k, v in HEADERS if k not in names]


def page_headers(headers: list[tuple[bytes, bytes]], body: bytes) -> list[tuple[bytes, bytes]]:
    """An HTML page's headers, our policy naming the hashes of the page's inline scripts
    instead of allowing any inline script (a route's own policy is left as it is)."""
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(m).digest()).decode() + "'"
            for m in _INLINE.findall(body)
        }
    )
    policy = CSP.replace("'unsafe-inline' 'unsafe-eval'", " ".join(["'unsafe-eval'", *hashes]))
    ours = CSP.encode()
    return [
        (k, policy.encode() if k == b"content-security-policy" and v == ours else v)
        for k, v in headers
    ]


def trust_proxies(server: ServerSettings) -> None:
    """Tell uvicorn (which reads FORWARDED_ALLOW_IPS) to trust only the named proxies."""
    os.environ["FORWARDED_ALLOW_IPS"] = server.forwarded_allow_ips or "0.0.0.0/32"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def host_name(value: str) -> str:
    """The host of a Host header or an origin's netloc, lower case, without port."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _under_root(scope: Scope) -> Scope:
    """The scope with its path under the root path, as ASGI has it (a proxy strips the
    prefix; Starlette's mounts, /api among them, route on the full path)."""
    root, path = scope.get("root_path", ""), scope.get("path", "")
    if not root or path == root or path.startswith(root + "/"):
        return scope
    return {**scope, "path": root + path, "raw_path": (root + path).encode()}


@dataclass
class Guard:
    """The ASGI middleware; `app` is the whole app (Gradio's routes and ours)."""

    app: ASGIApp
    server: ServerSettings
    upload_limit: int
    sessions: Sessions | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = host_name(_header(scope, b"host"))
        if "*" not in self.server.allowed_hosts and host not in self.server.allowed_hosts:
            await self._refuse(scope, send, 421, "Ukendt værtsnavn. Brug serverens eget navn.")
            return
        origin = _header(scope, b"origin")
        allowed = origin in self.server.cors_origins
        method = scope.get("method", "GET")
        if origin and not allowed and (method in UNSAFE or method == "OPTIONS"):
            if host_name(urlsplit(origin).netloc) != host or method == "OPTIONS":
                await self._refuse(scope, send, 403, "Forespørgsler fra andre sider afvises.")
                return
        if method == "OPTIONS" and allowed:
            await self._preflight(origin, send)
            return
        scope = _under_root(scope)
        path = scope.get("path", "")
        multipart = _header(scope, b"content-type").lower().startswith("multipart/")
        upload = path.endswith(UPLOAD_SUFFIX) or multipart  # any way of storing a file
        if upload and method in UNSAFE and not self._editor(scope):
            await self._refuse(scope, send, 403, "Kun en redaktør, der er logget ind, kan uploade.")
            return
        limit = self.upload_limit if upload else self.server.max_body_bytes
        length = _header(scope, b"content-length")
        if length.isdigit() and int(length) > limit:
            await self._refuse(scope, send, 413, f"Forespørgslen er for stor (højst {limit} byte).")
            return
        sent = {"started": False, "refused": False}

        async def tracked(message: dict) -> None:
            if sent["refused"]:
                return  # the 413 is already out; the app's late answer is dropped
            sent["started"] = sent["started"] or message["type"] == "http.response.start"
            await send(message)

        async def too_large() -> None:  # a body without Content-Length grew past the limit
            if not sent["started"]:
                await self._refuse(scope, send, 413, "Forespørgslen er for stor.")
            sent["refused"] = True

        counted = self._counted(receive, limit, too_large)
        await self.app(scope, counted, self._headed(tracked, origin, allowed))

    def _editor(self, scope: Scope) -> bool:
        if self.sessions is None:
            return False
        cookies = {}
        for part in _header(scope, b"cookie").split(";"):
            name, _, value = part.strip().partition("=")
            cookies[name] = value
        try:
            self.sessions.check(cookies.get(COOKIE), change=False)
        except AccessError:
            return False
        return True

    def _counted(
        self, receive: Receive, limit: int, too_large: Callable[[], Awaitable[None]]
    ) -> Receive:
        seen = 0

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                await too_large()
                return {"type": "http.disconnect"}  # the app stops reading and answering
            return message

        return counted

    def _headed(self, send: Send, origin: str, allowed: bool) -> Send:
        held: dict = {"start": None, "body": []}  # an HTML page, until its scripts are known

        async def headed(message: dict) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k.lower(), v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                ]
                kept = with_security_headers(kept)
                if allowed:
                    kept.append((b"access-control-allow-origin", origin.encode("latin-1")))
                    kept.append((b"vary", b"Origin"))
                message = {**message, "headers": kept}
                if dict(kept).get(b"content-type", b"").startswith(b"text/html"):
                    held["start"] = message
                    return
            elif message["type"] == "http.response.body" and held["start"] is not None:
                held["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body, start = b"".join(held["body"]), held["start"]
                held["start"] = None
                await send({**start, "headers": page_headers(start["headers"], body)})
                message = {**message, "body": body}
            await send(message)

        return headed

    async def _preflight(self, origin: str, send: Send) -> None:
        headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-methods", b"GET, POST"),
            (b"access-control-allow-headers", b"content-type"),
            (b"access-control-max-age", b"600"),
            *HEADERS,
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, scope: Scope, send: Send, status: int, text: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"fejl": text}, ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json; charset=utf-8"), *HEADERS]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
