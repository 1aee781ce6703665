"""Index builds in one background thread, queued, with progress the web page can show.

Every change to the library asks for a build; requests that arrive while a
build runs are served together by the next one (a build always reads the
whole corpus folder, so one build covers any number of changes). Builds run
one at a time, in this thread, and also wait for a `casechat build` in another
process (index/store.py's lock). Meanwhile the chat answers from the old index;
`after` (the chat's LiveIndex) swaps the new one in when a build is done.
A failed build leaves the old index serving and its files marked not indexed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from answer.build import BuildReport, build_index
from base.errors import BuildLockedError, CasechatError
from base.settings import Settings
from casechat.metrics import built
from index.encoder import Embedder

log = logging.getLogger("casechat.library")

#: How long a build waits for another process's build to finish before it gives up.
LOCK_WAIT_SECONDS = 600.0
LOCK_RETRY_SECONDS = 2.0


@dataclass(frozen=True)
class BuildState:
    """What the builder is doing, for the progress bar and the document list."""

    phase: str = "idle"  # idle, queued, reading, ocr, embedding, swapping
    done: int = 0
    total: int = 0
    version: int = 0  # changes whenever anything here changes
    pending: frozenset[str] = frozenset()  # files waiting for (or in) a build
    failed: frozenset[str] = frozenset()  # files of a failed build, not indexed
    error: str = ""  # the last build's failure, for the person
    report: BuildReport | None = None  # the last finished build
    #: Seconds of the last build: reading, embedding, swap, total.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        return self.phase != "idle"


class _Timed:
    """The embedder, recording when embedding starts and ends (for the timings)."""

    def __init__(self, inner: Embedder, marks: dict[str, float]) -> None:
        self._inner, self._marks = inner, marks

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def embed_documents(self, texts, progress=None):
        self._marks.setdefault("embed_start", time.perf_counter())
        try:
            return self._inner.embed_documents(texts, progress=progress)
        finally:
            self._marks["embed_end"] = time.perf_counter()


class Builder:
    """One worker thread that runs queued builds; `request` returns a ticket to `wait` on."""

    def __init__(
        self,
        settings: Settings,
        embedder: Callable[[], Embedder],
        after: Callable[[BuildReport], None] | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._after = after
        self._state = BuildState()
        self._cond = threading.Condition()
        self._asked = 0  # tickets handed out
        self._finished = 0  # the highest ticket a finished build covered
        self._queued: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="casechat-builder", daemon=True)
        self._thread.start()

    def state(self) -> BuildState:
        with self._cond:
            return self._state

    def _set(self, **changes) -> None:
        with self._cond:
            self._state = replace(self._state, version=self._state.version + 1, **changes)
            self._cond.notify_all()

    def request(self, sources: Iterable[str] = ()) -> int:
        """Ask for a build that covers the corpus as it is now; its ticket."""
        with self._cond:
            self._asked += 1
            self._queued.update(sources)
            phase = self._state.phase if self._state.busy else "queued"
            pending = self._state.pending | self._queued
            self._state = replace(
                self._state, phase=phase, pending=pending, version=self._state.version + 1
            )
            self._cond.notify_all()
            return self._asked

    def wait(self, ticket: int, timeout: float | None = None) -> BuildState:
        """Wait until a build that started after `ticket` was asked for has finished."""
        with self._cond:
            self._cond.wait_for(lambda: self._finished >= ticket, timeout)
            return self._state

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._asked > self._finished)
                ticket = self._asked
                self._queued.clear()
            self._build()
            with self._cond:
                self._finished = ticket
                if self._asked > ticket:  # more came in meanwhile: queued for the next round
                    self._state = replace(self._state, phase="queued")
                self._cond.notify_all()

    def _progress(self, done: int, total: int) -> None:
        self._set(phase="embedding", done=done, total=total)

    def _ocr_progress(self, done: int, total: int) -> None:
        self._set(phase="ocr", done=done, total=total)

    def _build(self) -> None:
        marks: dict[str, float] = {}
        started = time.perf_counter()
        self._set(phase="reading", done=0, total=0)
        try:
            embedder = _Timed(self._embedder(), marks)
            report = self._with_lock_retry(embedder)
            self._set(phase="swapping")
            if self._after:
                self._after(report)
        except Exception as exc:  # the worker must survive any build failure
            if isinstance(exc, CasechatError):
                reason = str(exc)
                log.warning("Opbygningen af indekset fejlede: %s", reason)
            else:
                reason = "Der skete en uventet fejl under opbygningen af indekset."
                log.exception("Uventet fejl under opbygningen af indekset")
            with self._cond:
                failed = self._state.failed | (self._state.pending - self._queued)
                pending = frozenset(self._queued)
                self._set(phase="idle", pending=pending, failed=failed, error=reason)
            built(False)
            return
        built(True)
        ended = time.perf_counter()
        embed_start = marks.get("embed_start", ended)
        embed_end = marks.get("embed_end", embed_start)
        timings = {
            "reading": embed_start - started,
            "embedding": embed_end - embed_start,
            "swap": ended - embed_end,
            "total": ended - started,
        }
        with self._cond:  # the build read the whole corpus: nothing before it is left out
            self._set(
                phase="idle",
                pending=frozenset(self._queued),
                failed=frozenset(),
                error="",
                report=report,
                timings=timings,
            )

    def _with_lock_retry(self, embedder) -> BuildReport:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                return build_index(
                    self.settings,
                    embedder,
                    progress=self._progress,
                    ocr_progress=self._ocr_progress,
                )
            except BuildLockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(LOCK_RETRY_SECONDS)
