"""Editor sessions of their own: a random token in a cookie, checked by every change.

Logging in (POST /editor/login, casechat/editor_routes.py) gives the browser a
random token in an HttpOnly, SameSite=Strict cookie (Secure over HTTPS) and a
CSRF token the page sends with every change. The server keeps a digest of the
token with the editor, the CSRF token and a fingerprint of the editor's
password hash. A session ends after MAX_HOURS, after IDLE_MINUTES without use,
at "Log ud", and at once when the editor is removed or gets a new password
(`casechat editor remove/add`, also from another process: the fingerprint is
checked against editors.json on every use). The Gradio session hash plays no
part: it travels in URLs and is not a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from base.errors import AccessError
from casechat.library.editors import Editors
from casechat.library.views import LOGIN_NEEDED, NO_EDITORS

COOKIE = "casechat_redaktoer"
MAX_HOURS = 8.0
IDLE_MINUTES = 30.0
MAX_SESSIONS = 1000
ENDED = "Dit login er udløbet eller afsluttet. Log ind igen."
GONE = "Redaktøren findes ikke længere, eller adgangskoden er skiftet. Log ind igen."
BAD_CSRF = "Siden er forældet. Genindlæs siden, og log ind igen."


@dataclass
class EditorSession:
    """One login: who, its CSRF token, the password fingerprint, when made and last used."""

    editor: str
    csrf: str
    fingerprint: str
    created: float
    seen: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """The live editor sessions of one library (in memory; a restart logs everyone out)."""

    def __init__(
        self, editors: Editors, max_hours: float = MAX_HOURS, idle_minutes: float = IDLE_MINUTES
    ) -> None:
        self.editors = editors
        self.max_age = max_hours * 3600
        self.idle = idle_minutes * 60
        self._live: OrderedDict[str, EditorSession] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, name: str, password: str, client: str) -> tuple[str, EditorSession]:
        """A new session (its token and record), or AccessError (wrong, locked, no editors)."""
        if not self.editors.names():
            raise AccessError(NO_EDITORS)
        editor = self.editors.login(name, password or "", client)
        now = time.time()
        token = secrets.token_urlsafe(32)
        session = EditorSession(
            editor, secrets.token_urlsafe(24), self.editors.fingerprint(editor) or "", now, now
        )
        with self._lock:
            self._live[_digest(token)] = session
            while len(self._live) > MAX_SESSIONS:
                self._live.popitem(last=False)
        return token, session

    def check(self, token: str | None, csrf: str | None = None, change: bool = True) -> str:
        """The editor of a live session; AccessError otherwise. A change needs the CSRF token."""
        if not token:
            raise AccessError(NO_EDITORS if not self.editors.names() else LOGIN_NEEDED)
        key, now = _digest(token), time.time()
        with self._lock:
            session = self._live.get(key)
            if session and (now - session.created > self.max_age or now - session.seen > self.idle):
                del self._live[key]
                session = None
        if session is None:
            raise AccessError(ENDED)
        if self.editors.fingerprint(session.editor) != session.fingerprint:
            self.revoke(token)
            raise AccessError(GONE)
        if change and not hmac.compare_digest(str(csrf or "").encode(), session.csrf.encode()):
            raise AccessError(BAD_CSRF)
        session.seen = now
        return session.editor

    def csrf_of(self, token: str | None) -> str:
        """The CSRF token of a live session ("" if none)."""
        with self._lock:
            session = self._live.get(_digest(token)) if token else None
        return session.csrf if session else ""

    def revoke(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._live.pop(_digest(token), None)


@cache
def sessions_for(library: Path) -> Sessions:
    """The one session table of a library folder (shared by the tab and the HTTP routes)."""
    return Sessions(Editors(library))


def token_of(request: object) -> str | None:
    """The session cookie of a request (a Starlette or a gr.Request), or None."""
    cookies = getattr(request, "cookies", None) or {}
    value = cookies.get(COOKIE) if hasattr(cookies, "get") else None
    return str(value) if value else None
