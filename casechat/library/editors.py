"""Editor accounts: who may change the library, with hashed passwords and a rate limit.

    <library>/editors.json   {"editors": {"NAVN": {"hash": "$argon2id$…", "created": "…"}}}

The file lies outside the corpus, is written atomically with mode 0600, and
holds only argon2id hashes (argon2-cffi's defaults, RFC 9106's low-memory
profile). Reading and asking need no account; adding, replacing, removing and
restoring do. Login attempts are counted per name and per client before the
password is checked (casechat/library/ratelimit.py): after MAX_FAILURES within
WINDOW seconds without a success, that name or client is locked LOCK seconds,
and the locks outlive a restart (`<library>/logins.json`). Checks of one name
run one at a time, and at most CHECKS argon2 checks (64 MiB each) at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from base.errors import AccessError, LibraryError
from casechat.library.ratelimit import RateLimiter

FILE = "editors.json"
LOCKS_FILE = "logins.json"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
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


class Editors:
    """The editor accounts in `<library>/editors.json`."""

    def __init__(self, library: Path, limiter: RateLimiter | None = None) -> None:
        self.path = library / FILE
        self.limiter = limiter or RateLimiter(library / LOCKS_FILE)
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

    def fingerprint(self, name: str) -> str | None:
        """A digest of the editor's password hash: changes with the password; None if gone."""
        stored = self._load().get(name, {}).get("hash")
        return hashlib.sha256(stored.encode()).hexdigest()[:32] if stored else None

    def login(self, name: str, password: str, client: str) -> str:
        """The editor's name if `password` is right; AccessError otherwise (rate-limited).

        The attempt is counted before the check, so guesses sent at once are refused
        from the sixth on without being checked."""
        name = unicodedata.normalize("NFC", (name or "").strip())[:64]
        keys = (f"name:{name.casefold()}", f"client:{client}")
        self.limiter.attempt(*keys)
        with self.limiter.checking(name):
            stored = self._load().get(name, {}).get("hash")
            stored = stored if len(password) <= MAX_PASSWORD else None
            try:
                _HASHER.verify(stored or _dummy(), password[: MAX_PASSWORD + 1])
                ok = stored is not None
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok:
            raise AccessError("Forkert navn eller adgangskode.")
        self.limiter.succeeded(*keys)
        return name
