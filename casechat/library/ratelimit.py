"""The login rate limit: attempts counted before the password is checked, locks that persist.

Every login attempt is counted per key (the name, the real client address)
before its password is checked; an attempt beyond MAX_FAILURES within WINDOW
seconds without a success is refused unchecked and locks the key for LOCK
seconds. Locks are written to a small JSON file, so a restart does not forget
them. Checks of one name run one at a time (striped locks, fixed memory), and
at most CHECKS argon2 checks run at once (64 MiB each); a request that would
wait behind more than WAITERS others is refused at once. The tables are capped
at MAX_KEYS keys (oldest first out), so a flood of names cannot fill memory.
"""

from __future__ import annotations

import json
import os
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from base.errors import AccessError

MAX_FAILURES = 5
WINDOW = 300.0
LOCK = 60.0
CHECKS = 2
WAITERS = 8
MAX_KEYS = 10_000
_STRIPES = 64
BUSY = "Der er mange login-forsøg lige nu. Vent et øjeblik, og prøv igen."


class RateLimiter:
    """Attempts and locks per key; `attempt` before a check, `succeeded` after a good one."""

    def __init__(
        self,
        path: Path | None = None,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        lock: float = LOCK,
        checks: int = CHECKS,
    ) -> None:
        self.path = path
        self.max_failures, self.window, self.lock = max_failures, window, lock
        self._attempts: OrderedDict[str, list[float]] = OrderedDict()
        self._locked: OrderedDict[str, float] = OrderedDict()  # key -> until (wall clock)
        self._mutex = threading.Lock()
        self._slots = threading.BoundedSemaphore(checks)
        self._waiting = 0
        self._names = [threading.Lock() for _ in range(_STRIPES)]
        self._load()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8")) if self.path else {}
        except (OSError, ValueError):
            raw = {}
        now = time.time()
        for key, until in (raw.get("locked", {}) if isinstance(raw, dict) else {}).items():
            if isinstance(until, int | float) and until > now:
                self._locked[str(key)] = float(until)

    def _save(self) -> None:
        if self.path is None:
            return
        now = time.time()
        locked = {k: u for k, u in self._locked.items() if u > now}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"locked": locked}), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # the lock still holds in memory

    def wait_left(self, *keys: str) -> float:
        """Seconds until every key may try again (0 when none is locked)."""
        now = time.time()
        with self._mutex:
            return max([self._locked.get(k, 0.0) - now for k in keys] + [0.0])

    def attempt(self, *keys: str) -> None:
        """Count one attempt for every key; AccessError if any key is (or now becomes) locked."""
        now = time.time()
        with self._mutex:
            wait = max([self._locked.get(k, 0.0) - now for k in keys] + [0.0])
            newly = False
            if wait <= 0:
                for key in keys:
                    recent = [t for t in self._attempts.pop(key, []) if now - t < self.window]
                    if len(recent) >= self.max_failures:
                        self._locked[key] = now + self.lock
                        self._locked.move_to_end(key)
                        wait, newly, recent = self.lock, True, []
                    self._attempts[key] = [*recent, now]
                self._trim()
            if newly:
                self._save()
        if wait > 0:
            raise AccessError(f"For mange forkerte forsøg. Vent {wait:.0f} sekunder, og prøv igen.")

    def _trim(self) -> None:
        for table in (self._attempts, self._locked):
            while len(table) > MAX_KEYS:
                table.popitem(last=False)

    def succeeded(self, *keys: str) -> None:
        with self._mutex:
            for key in keys:
                self._attempts.pop(key, None)

    @contextmanager
    def checking(self, name: str) -> Iterator[None]:
        """One check of `name` at a time, and at most CHECKS checks at once."""
        with self._mutex:
            if self._waiting >= WAITERS:
                raise AccessError(BUSY)
            self._waiting += 1
        try:
            stripe = self._names[zlib.crc32(name.casefold().encode()) % _STRIPES]
            with stripe, self._slots:
                yield
        finally:
            with self._mutex:
                self._waiting -= 1
