"""Editor accounts: who may change the library, with hashed passwords and a rate limit.

    <library>/editors.json   {"editors": {"NAVN": {"hash": "$argon2id$…", "created": "…"}}}

The file lies outside the corpus, is written atomically with mode 0600, and
holds only argon2id hashes (argon2-cffi's defaults, RFC 9106's low-memory
profile). Reading and asking need no account; adding, replacing, removing and
restoring do. Failed logins are counted per name and per client: after
MAX_FAILURES within WINDOW seconds, that name or client is locked LOCK seconds
(in memory; a restart of the chat forgets the count).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from base.errors import AccessError, LibraryError

FILE = "editors.json"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_FAILURES = 5
WINDOW = 300.0
LOCK = 60.0
_NAME = re.compile(r"^[\w.\-]{1,40}$")
_HASHER = PasswordHasher()


@cache
def _dummy() -> str:
    """Verified when the name is unknown, so a wrong name costs as long as a wrong password."""
    return _HASHER.hash("ingen-redaktør-med-det-navn")


def clean_name(name: str) -> str:
    """The editor name, NFC; LibraryError unless 1–40 letters, digits, '.', '-', '_'."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not _NAME.fullmatch(name):
        raise LibraryError(
            "Et redaktørnavn er 1–40 bogstaver, tal, '.', '-' eller '_' (fx mette.h)."
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise LibraryError(f"Adgangskoden skal have mindst {MIN_PASSWORD} tegn.")
    if len(password) > MAX_PASSWORD:
        raise LibraryError(f"Adgangskoden må højst have {MAX_PASSWORD} tegn.")
    return password


@dataclass
class RateLimiter:
    """Failures per key (a name, a client address) within WINDOW; locked at MAX_FAILURES."""

    max_failures: int = MAX_FAILURES
    window: float = WINDOW
    lock: float = LOCK
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _locked: dict[str, float] = field(default_factory=dict)
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def wait_left(self, *keys: str) -> float:
        """Seconds until every key may try again (0 when none is locked)."""
        now = time.monotonic()
        with self._mutex:
            return max([self._locked.get(k, 0.0) - now for k in keys] + [0.0])

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._mutex:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window]
                recent.append(now)
                if len(recent) >= self.max_failures:
                    self._locked[key] = now + self.lock
                    recent = []
                self._failures[key] = recent

    def succeeded(self, *keys: str) -> None:
        with self._mutex:
            for key in keys:
                self._failures.pop(key, None)


class Editors:
    """The editor accounts in `<library>/editors.json`."""

    def __init__(self, library: Path, limiter: RateLimiter | None = None) -> None:
        self.path = library / FILE
        self.limiter = limiter or RateLimiter()
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise LibraryError(
                f"Redaktørfilen {self.path} kan ikke læses ({exc}). Ret eller slet den, og "
                "opret redaktørerne igen med `casechat editor add NAVN`."
            ) from exc
        editors = raw.get("editors") if isinstance(raw, dict) else None
        return editors if isinstance(editors, dict) else {}

    def _save(self, editors: dict[str, dict]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FILE}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"editors": editors}, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def names(self) -> list[str]:
        return sorted(self._load())

    def exists(self, name: str) -> bool:
        return name in self._load()

    def add(self, name: str, password: str) -> bool:
        """Create the editor, or set a new password; True if the editor is new."""
        name, password = clean_name(name), check_password(password)
        with self._lock:
            editors = self._load()
            new = name not in editors
            created = editors.get(name, {}).get("created") or time.strftime("%Y-%m-%dT%H:%M:%S")
            editors[name] = {"hash": _HASHER.hash(password), "created": created}
            self._save(editors)
        return new

    def remove(self, name: str) -> None:
        with self._lock:
            editors = self._load()
            if name not in editors:
                raise LibraryError(
                    f"Der er ingen redaktør ved navn »{name}«. Se dem med `casechat editor list`."
                )
            del editors[name]
            self._save(editors)

    def login(self, name: str, password: str, client: str) -> str:
        """The editor's name if `password` is right; AccessError otherwise (rate-limited)."""
        name = unicodedata.normalize("NFC", (name or "").strip())
        keys = (f"name:{name.casefold()}", f"client:{client}")
        wait = self.limiter.wait_left(*keys)
        if wait > 0:
            raise AccessError(f"For mange forkerte forsøg. Vent {wait:.0f} sekunder, og prøv igen.")
        stored = self._load().get(name, {}).get("hash") if len(password) <= MAX_PASSWORD else None
        try:
            _HASHER.verify(stored or _dummy(), password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            self.limiter.failed(*keys)
            raise AccessError("Forkert navn eller adgangskode.")
        self.limiter.succeeded(*keys)
        return name
