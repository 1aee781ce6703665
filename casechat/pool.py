"""The search pool the chat and the API share: a person's chat question goes first.

Chat questions run at once (Gradio's queue bounds them) and, while one runs,
no API or MCP search starts. API searches that would have to wait are
admitted at most `rate` per second (CASECHAT_API_RATE; a lone caller is not
paced) and take one of SLOTS places, with at most `queue` more waiting;
beyond that they are refused (HTTP 429 with Retry-After, answered after a
short pause so a client that ignores Retry-After cannot spin on it). On a
small server this keeps a flood of API calls from taking the processor away
from the person at the chat (tests/test_fair_load.py measures it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from base.errors import BusyError
from casechat.metrics import BUSY

SLOTS = 1
QUEUE = 8
RATE = 10.0
RETRY_AFTER = 2
#: Seconds a refused API call waits before its 429 (async: it costs no thread).
PAUSE = 1.0
#: The longest an API search waits for chat questions to finish before it runs anyway.
CHAT_WAIT = 5.0
FULL = "Der er travlt lige nu: for mange søgninger i kø. Prøv igen om {s} sekunder."


class SearchPool:
    """At most `slots` API searches at once, none while a chat question runs, `queue` waiting."""

    def __init__(self, slots: int = SLOTS, queue: int = QUEUE, rate: float = RATE) -> None:
        self.slots, self.queue = slots, queue
        self.rate = rate  # API searches admitted per second (a token bucket of `rate` tokens)
        self._tokens, self._filled = rate, time.monotonic()
        self._inside = 0  # API searches running or waiting
        self._running = 0
        self._chatting = 0
        self.refused = 0  # refused API calls still pausing before their 429 (a flood)
        self._cond = threading.Condition()

    def admit(self) -> bool:
        """Whether an API search may join the queue now: a place and a token are free."""
        with self._cond:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._filled) * self.rate)
            self._filled = now
            if self._inside < self.slots and not self.refused:  # a lone caller: not paced
                return True
            if self._inside >= self.slots + self.queue or self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    @contextmanager
    def chat(self) -> Iterator[None]:
        """A chat question: runs at once; API searches wait until it is answered."""
        with self._cond:
            self._chatting += 1
        try:
            yield
        finally:
            with self._cond:
                self._chatting -= 1
                self._cond.notify_all()

    @contextmanager
    def api(self) -> Iterator[None]:
        """An API search: a place in the pool, or BusyError when the queue is full."""
        with self._cond:
            if self._inside >= self.slots + self.queue:
                BUSY.inc()
                raise BusyError(FULL.format(s=RETRY_AFTER))
            self._inside += 1
            self._cond.wait_for(lambda: self._running < self.slots)
            self._cond.wait_for(lambda: self._chatting == 0, timeout=CHAT_WAIT)
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._inside -= 1
                self._cond.notify_all()


#: The one pool of this process: the chat (casechat/answer.py), the API and MCP share it.
SHARED = SearchPool()
