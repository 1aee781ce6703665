"""The search pool the chat and the API share: a person's chat question never waits for it.

Chat questions run at once (Gradio's queue bounds them); API and MCP searches
take one of SLOTS places, with at most `queue` more waiting, and beyond that
are refused with BusyError (HTTP 429 with Retry-After). On the two cores of a
small server this keeps a flood of API calls to one search beside a person's
question, so the chat slows by at most about one search's time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from base.errors import BusyError
from casechat.metrics import BUSY

SLOTS = 1
RETRY_AFTER = 2
FULL = "Der er travlt lige nu: for mange søgninger i kø. Prøv igen om {s} sekunder."


class SearchPool:
    """At most `slots` API searches at once and `queue` waiting; the rest get BusyError."""

    def __init__(self, slots: int = SLOTS, queue: int = 8) -> None:
        self.cap = slots + queue
        self._slots = threading.BoundedSemaphore(slots)
        self._inside = 0
        self._mutex = threading.Lock()

    @contextmanager
    def api(self) -> Iterator[None]:
        with self._mutex:
            if self._inside >= self.cap:
                BUSY.inc()
                raise BusyError(FULL.format(s=RETRY_AFTER))
            self._inside += 1
        try:
            with self._slots:
                yield
        finally:
            with self._mutex:
                self._inside -= 1
