"""The document library: add, replace, remove and restore corpus documents, with a trail.

The corpus folder stays the one source of truth; this package only changes
files in it, keeps what it takes out in a recycle bin, logs every change, and
asks for an incremental build. Its own folder (`Settings.library`, beside the
index unless CASECHAT_LIBRARY_DIR says otherwise):

    <library>/editors.json   editor accounts (argon2id hashes, mode 0600)
    <library>/audit.jsonl    one line per change
    <library>/recycle/       removed and replaced documents
    <library>/staging/       uploads being checked (never read by the build)

The web chat's Dokumenter tab (casechat/library_tab.py) and the `casechat
add/remove/restore/list/editor` commands both go through `Library`.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from base.errors import CasechatError, LibraryError
from base.settings import Settings
from casechat.library import recycle
from casechat.library.audit import AuditLog
from casechat.library.corpus_files import (
    Candidate,
    check_upload,
    clean_leftovers,
    find_conflict,
    resolve_source,
    sidecar_data,
    write_document,
)
from casechat.library.editors import Editors
from index.manifest import file_sha256
from ingest.document import DocumentMeta
from ingest.municipalities import canonical

MAX_TITLE = 200
MAX_KIND = 100
#: Staged uploads older than this are deleted when the library opens.
STAGING_HOURS = 24
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Refusal:
    """An upload that was not taken in, and why (for the person)."""

    original: str
    reason: str


@dataclass(frozen=True)
class Change:
    """What one add, replace, remove or restore did."""

    action: str
    name: str
    sha256: str
    replaced: str | None = None


def form_meta(
    title: str, municipalities: list[str] | tuple[str, ...], date: str, kind: str
) -> DocumentMeta:
    """Metadata as a person typed it, checked; LibraryError says what to correct."""
    title = " ".join((title or "").split())
    if not title:
        raise LibraryError("Skriv en titel på dokumentet.")
    if len(title) > MAX_TITLE:
        raise LibraryError(f"Titlen må højst have {MAX_TITLE} tegn.")
    munis = []
    for name in municipalities or ():
        found = canonical(str(name))
        if found is None:
            raise LibraryError(f"»{name}« er ikke en af Danmarks 98 kommuner.")
        if found not in munis:
            munis.append(found)
    date = (date or "").strip()
    if date and not _DATE.fullmatch(date):
        raise LibraryError(
            "Skriv datoen som år-måned-dag, fx 2025-03-14, eller lad feltet stå tomt."
        )
    kind = " ".join((kind or "").split())
    if len(kind) > MAX_KIND:
        raise LibraryError(f"Dokumenttypen må højst have {MAX_KIND} tegn.")
    return DocumentMeta(title, tuple(munis), date or None, kind or None)


class Library:
    """Changes to the corpus folder, each logged and followed by a build request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.library
        self.editors = Editors(self.root)
        self.audit = AuditLog(self.root)
        self.staging = self.root / "staging"
        #: Bumped by every change made through this object (the tab refreshes on it).
        self.version = 0

    def open(self) -> Library:
        """Tidy what a killed process left: temporary corpus files, old staged uploads."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.settings.corpus_dir.is_dir():
            clean_leftovers(self.settings)
        limit = time.time() - STAGING_HOURS * 3600
        for folder in self.staging.glob("*") if self.staging.is_dir() else ():
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        return self

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """One change at a time, across threads and processes (the chat and the CLI)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".changes.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def check(self, uploads: list[tuple[Path, str]]) -> tuple[list[Candidate], list[Refusal]]:
        """Check uploads (path on disk, name the person gave it); the usable ones are staged."""
        limit = self.settings.max_upload_files
        if len(uploads) > limit:
            raise LibraryError(
                f"Du kan højst tilføje {limit} filer ad gangen; du valgte {len(uploads)}. "
                "Del dem op i flere omgange."
            )
        taken, refused = [], []
        for path, original in uploads:
            try:
                taken.append(check_upload(self.settings, path, original, self.staging))
            except CasechatError as exc:
                refused.append(Refusal(original, str(exc)))
        return taken, refused

    def add(
        self,
        candidate: Candidate,
        meta: DocumentMeta,
        editor: str,
        replace: bool = False,
        extra: dict[str, object] | None = None,
    ) -> Change:
        """Put a checked upload into the corpus with its sidecar; replace only when asked.
        `extra` are more sidecar fields (a web page's address, ETag, ...)."""
        if not candidate.staged.is_file():
            raise LibraryError(f"{candidate.original} er ikke længere klar. Upload den igen.")
        with self._changing():
            conflict = find_conflict(self.settings, candidate.name, candidate.sha256)
            if conflict and not replace:
                raise LibraryError(
                    f"{candidate.original} har {conflict.describe()}. Vælg at erstatte "
                    "(»Erstat« i fanen Dokumenter, --replace ved `casechat add`), hvis den "
                    "nye skal træde i stedet for den gamle."
                )
            if conflict:
                recycle.put(self.settings, conflict.existing, editor, "erstattet")
            sidecar = {**sidecar_data(meta, candidate.original), **(extra or {})}
            write_document(self.settings, candidate.name, candidate.staged, sidecar)
            action = "replace" if conflict else "add"
            detail = f"erstatter {conflict.existing}" if conflict else ""
            self.audit.record(editor, action, candidate.name, candidate.sha256, detail)
        self.discard(candidate)
        self.version += 1
        replaced = conflict.existing if conflict else None
        return Change(action, candidate.name, candidate.sha256, replaced)

    def remove(self, name: str, editor: str) -> Change:
        """Move a corpus document and its sidecar into the recycle bin."""
        with self._changing():
            source = resolve_source(self.settings, name)
            entry = recycle.put(self.settings, source, editor, "fjernet")
            self.audit.record(editor, "remove", source, entry.sha256, f"papirkurv {entry.id}")
        self.version += 1
        return Change("remove", source, entry.sha256)

    def restore(self, key: str, editor: str) -> Change:
        """Put a document from the recycle bin back into the corpus (by id or name)."""
        with self._changing():
            entry = recycle.find(self.settings, key)
            recycle.take_back(self.settings, entry)
            sha = file_sha256(self.settings.corpus_dir / entry.source)
            self.audit.record(editor, "restore", entry.source, sha, f"papirkurv {entry.id}")
        self.version += 1
        return Change("restore", entry.source, sha)

    def discard(self, candidate: Candidate) -> None:
        """Forget a checked upload that will not be added."""
        shutil.rmtree(candidate.staged.parent, ignore_errors=True)

    def recycled(self) -> list[recycle.Entry]:
        return recycle.entries(self.settings)


__all__ = ["Candidate", "Change", "Library", "Refusal", "form_meta"]
