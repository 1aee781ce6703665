"""The editor login of one browser session, checked on the server by every changing handler.

The login lives in the session's server-side state (Gradio's gr.State is kept
on the server per session and never sent to the browser), so a call through
the HTTP queue from another session, or with a fresh one, has no login. A
login is bound to the client address it was made from, ends after
SESSION_HOURS, and ends at once when the editor is deleted
(`casechat editor remove`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from base.errors import AccessError
from casechat.library.editors import Editors
from casechat.library.views import LOGIN_NEEDED, NO_EDITORS

SESSION_HOURS = 8.0


@dataclass(frozen=True)
class Login:
    """Who is logged in in this session, from where, since when."""

    editor: str
    client: str
    at: float


def client_of(request: object) -> str:
    """The client's address as the server saw it ("?" when unknown)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "?")


def log_in(editors: Editors, name: str, password: str, request: object) -> Login:
    """A new login, or AccessError (wrong password, rate-limited, no editors at all)."""
    if not editors.names():
        raise AccessError(NO_EDITORS)
    client = client_of(request)
    return Login(editors.login(name, password or "", client), client, time.time())


def require_editor(editors: Editors, login: object, request: object) -> str:
    """The logged-in editor's name; AccessError unless this session has a valid login."""
    if not isinstance(login, Login):
        raise AccessError(NO_EDITORS if not editors.names() else LOGIN_NEEDED)
    if login.client != client_of(request):
        raise AccessError("Dit login gælder ikke fra denne adresse. Log ind igen.")
    if time.time() - login.at > SESSION_HOURS * 3600:
        raise AccessError("Dit login er udløbet. Log ind igen.")
    if not editors.exists(login.editor):
        raise AccessError("Redaktøren findes ikke længere. Log ind med en anden redaktør.")
    return login.editor
