"""A searcher that follows the live index, so a rebuild is served without a restart.

The web chat holds one searcher for its whole life, while `casechat build` (in
another process, or at start-up) swaps the index's CURRENT pointer
(index/store.py). `LiveSearcher` looks at CURRENT before each search (one
`stat`, a few microseconds) and, when it changed, loads the new snapshot with
the same embedder and swaps it in under a lock. One thread loads; the others
keep answering from the old index meanwhile. A search that has started keeps
the searcher it started with, so a question in flight never mixes two indexes,
and the old snapshot is freed when its last search ends. A new index that
cannot be loaded is logged and the old one kept.
"""

from __future__ import annotations

import logging
import os
import threading

from base.errors import CasechatError
from base.settings import Settings
from index.embed import Embedder
from index.search import Searcher
from index.store import CURRENT

log = logging.getLogger("casechat.live")

Stamp = tuple[int, int, int] | None


def pointer_stamp(settings: Settings) -> Stamp:
    """Identity of the CURRENT file; a swap (os.replace) always gives a new inode."""
    try:
        st = os.stat(settings.index_dir / CURRENT)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


class LiveSearcher(Searcher):
    """A Searcher (it fits wherever one is expected) whose index follows CURRENT.

    `Searcher.__init__` is not called: every attribute and search goes to the
    inner searcher of the moment (`current()`).
    """

    def __init__(self, settings: Settings, searcher: Searcher) -> None:
        self.settings = settings
        self._current = searcher
        self._stamp = pointer_stamp(settings)
        self._lock = threading.Lock()
        #: How many times a new index was swapped in (for logs and tests).
        self.reloads = 0

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> LiveSearcher:
        """Load the live index like `open_searcher`, and follow it from then on."""
        from casechat.service import open_searcher

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
        from casechat.service import open_searcher

        self._stamp = stamp  # also on failure: not retried on every question
        old = self._current
        try:
            fresh = open_searcher(self.settings, old.embedder)
        except CasechatError as exc:
            log.warning("Det nye indeks kan ikke indlæses; det forrige bruges fortsat: %s", exc)
            return
        fresh.fusion, fresh.rule = old.fusion, old.rule
        self._current = fresh
        self.reloads += 1
        log.info("Nyt indeks taget i brug: %s", fresh.snapshot.path.name)

    # --- the Searcher interface, each on the searcher of the moment ---------------------

    @property
    def snapshot(self):  # type: ignore[override]
        return self.current().snapshot

    @property
    def embedder(self):  # type: ignore[override]
        return self._current.embedder

    @property
    def fusion(self):  # type: ignore[override]
        return self._current.fusion

    @property
    def rule(self):  # type: ignore[override]
        return self._current.rule

    def search(self, *args, **kwargs):
        """`Searcher.search` on the live index."""
        return self.current().search(*args, **kwargs)

    def municipalities(self) -> list[str]:
        return self.current().municipalities()

    def coverage(self, *args, **kwargs):
        return self.current().coverage(*args, **kwargs)

    def unknown_names(self, *args, **kwargs):
        return self.current().unknown_names(*args, **kwargs)

    def __getattr__(self, name: str):
        # Anything else a Searcher has (attributes added later included).
        if name.startswith("__") or name in {"_current", "_stamp", "_lock", "settings"}:
            raise AttributeError(name)
        return getattr(self.current(), name)
