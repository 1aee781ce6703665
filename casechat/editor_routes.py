"""POST /editor/login and /editor/logout: the editor's session cookie is set and ended here.

The Dokumenter tab's "Log ind" button posts the name and password here from
the page (the password never passes through a Gradio event); the answer sets
the session cookie (casechat/library/sessions.py) and gives the CSRF token,
which the page then sends with every change. Errors are `{"fejl": "..."}` in
Danish, as in the API.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.routing import Route

from base.errors import AccessError, CasechatError
from casechat.library.sessions import COOKIE, MAX_HOURS, sessions_for, token_of
from casechat.metrics import LOGINS

LOGIN_PATH = "/editor/login"
LOGOUT_PATH = "/editor/logout"
BAD_BODY = 'Send {"name": "...", "password": "..."} som JSON.'


def _client(request: Request) -> str:
    """The real client: the socket's peer, or the proxy's X-Forwarded-For only when the
    operator named the proxy (uvicorn applies it, see casechat/security.py)."""
    return request.client.host if request.client else "?"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def editor_routes(library: Path) -> list[Route]:
    """The login and logout routes of the library in `library`."""
    sessions = sessions_for(library)

    async def login(request: Request) -> JSONResponse:
        try:
            body = await request.json()
            name, password = str(body["name"])[:64], str(body["password"])[:1100]
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"fejl": BAD_BODY}, status_code=422)
        try:
            token, session = await asyncio.to_thread(
                sessions.open, name, password, _client(request)
            )
        except AccessError as exc:
            LOGINS.labels("refused").inc()
            return JSONResponse({"fejl": str(exc)}, status_code=403)
        except CasechatError as exc:
            return JSONResponse({"fejl": str(exc)}, status_code=503)
        LOGINS.labels("ok").inc()
        answer = JSONResponse({"redaktoer": session.editor, "csrf": session.csrf})
        answer.set_cookie(
            COOKIE,
            token,
            max_age=int(MAX_HOURS * 3600),
            path="/",
            secure=_secure(request),
            httponly=True,
            samesite="strict",
        )
        return answer

    async def logout(request: Request) -> JSONResponse:
        sessions.revoke(token_of(request))
        answer = JSONResponse({"ok": True})
        answer.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True)
        return answer

    return [
        Route(LOGIN_PATH, login, methods=["POST"]),
        Route(LOGOUT_PATH, logout, methods=["POST"]),
    ]


#: The "Log ind" button: post name and password here (relative, so it works under a root
#: path); the Gradio event then gets the name and "" or the Danish refusal.
LOGIN_JS = """async (name, password) => {
  try {
    const r = await fetch("editor/login", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({name, password})});
    const j = await r.json().catch(() => ({}));
    return [name, r.ok ? "" : (j.fejl || "Login mislykkedes. Prøv igen.")];
  } catch (e) { return [name, "Serveren kunne ikke nås. Prøv igen om et øjeblik."]; }
}"""
LOGOUT_JS = """async () => {
  try { await fetch("editor/logout", {method: "POST", credentials: "same-origin"}); }
  catch (e) {}
  return [];
}"""
