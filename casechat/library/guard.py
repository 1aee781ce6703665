"""Gradio glue of the Dokumenter tab: handlers that never show a traceback, fresh filters.

`handler(n)` marks a tab handler with `n` outputs, the last of which is its
message box: a CasechatError (a refused login, a bad upload) becomes that
message in Danish; anything else is logged here and shown as a generic one.
Every other output is left as it was (gr.skip()).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable

import gradio as gr

from base.errors import CasechatError
from casechat.answer import Responder
from casechat.library.views import message

log = logging.getLogger("casechat.library")
GENERIC = "Der skete en fejl. Prøv igen om et øjeblik; bliver den ved, så genstart chatten."


def handler(outputs: int, quiet: bool = False) -> Callable[[Callable], Callable]:
    """Catch every error of the handler: its message goes to the last output (unless quiet)."""

    def mark(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except CasechatError as exc:
                html = message(str(exc), "error")
            except Exception:
                log.exception("Uventet fejl i fanen Dokumenter")
                html = message(GENERIC, "error")
            last = [gr.skip()] if quiet else [html]
            return last[0] if outputs == 1 else tuple([gr.skip()] * (outputs - 1) + last)

        return wrapped

    return mark


class Filters:
    """The chat's filter lists (municipalities, documents), re-read once per new index."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.name = responder.source.current().name
        self._lock = threading.Lock()

    def refresh(self) -> str:
        """Re-read the lists if the index changed; the live index's name."""
        searcher = self.responder.source.current()
        with self._lock:
            if searcher.name != self.name:
                self.responder.municipalities, self.responder.documents = self.responder.filters()
                self.name = searcher.name
        return self.name
