"""The live index: the searcher of the moment, so a rebuild is served without a restart.

The web chat lives long, while `casechat build` (in another process, or at
start-up) swaps the index's CURRENT pointer (index/store.py). The responder
asks `LiveIndex.current()` for the searcher once per question; it looks at
CURRENT (one `stat`, a few microseconds) and, when it changed, loads the new
snapshot with the same embedder and swaps it in under a lock. One thread
loads; the others keep answering from the old index meanwhile. A question
keeps the searcher it got, so it never mixes two indexes, and the old
snapshot is freed when its last question ends. A new index that cannot be
loaded is logged and the old one kept.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Protocol

from answer.search import Searcher, open_searcher
from base.errors import CasechatError
from base.settings import Settings
from index.encoder import Embedder
from index.store import CURRENT

log = logging.getLogger("casechat.live")

Stamp = tuple[int, int, int] | None


class SearcherSource(Protocol):
    """Where the app gets the searcher for one question."""

    def current(self) -> Searcher: ...


class FixedIndex:
    """A searcher that never changes (tests, one-off commands)."""

    def __init__(self, searcher: Searcher) -> None:
        self._searcher = searcher

    def current(self) -> Searcher:
        return self._searcher


def pointer_stamp(settings: Settings) -> Stamp:
    """Identity of the CURRENT file; a swap (os.replace) always gives a new inode."""
    try:
        st = os.stat(settings.index_dir / CURRENT)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class LiveIndex:
    """Follows CURRENT: `current()` is the searcher over the live index."""

    def __init__(self, settings: Settings, searcher: Searcher) -> None:
        self.settings = settings
        self._current = searcher
        self._stamp = pointer_stamp(settings)
        self._lock = threading.Lock()
        #: How many times a new index was swapped in (for logs and tests).
        self.reloads = 0

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> LiveIndex:
        """Open the live index like `open_searcher`, and follow it from then on."""
        return cls(settings, open_searcher(settings, embedder))

    def current(self) -> Searcher:
        """The searcher over the live index, reloaded first if CURRENT changed."""
        stamp = pointer_stamp(self.settings)
        if stamp != self._stamp and self._lock.acquire(blocking=False):
            try:
                if stamp != self._stamp:  # another thread may have just reloaded
                    self._reload(stamp)
            finally:
                self._lock.release()
        return self._current

    def _reload(self, stamp: Stamp) -> None:
        self._stamp = stamp  # also on failure: not retried on every question
        old = self._current
        try:
            fresh = open_searcher(self.settings, old.embedder, fusion=old.fusion, rule=old.rule)
        except CasechatError as exc:
            log.warning("Det nye indeks kan ikke indlæses; det forrige bruges fortsat: %s", exc)
            return
        self._current = fresh
        self.reloads += 1
        log.info("Nyt indeks taget i brug: %s", fresh.name)
