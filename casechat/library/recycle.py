"""The recycle bin: removed and replaced documents, outside the corpus, restorable.

    <library>/recycle/<id>/entry.json     what it was: source name, when, who, why, sha256
    <library>/recycle/<id>/<file>         the document as it was
    <library>/recycle/<id>/<file>.meta.json   its sidecar, if it had one

`<id>` is the time of removal plus a random part, so entries sort by time and
two removals of the same name never meet. A document is copied into the bin
and its copy synced before the corpus file is deleted, so a crash at any point
leaves it in one place or both, never in none.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from base.errors import LibraryError
from base.settings import Settings
from casechat.library.corpus_files import place, sidecar_of
from index.manifest import file_sha256
from ingest.load import META_SUFFIX

ENTRY = "entry.json"


@dataclass(frozen=True)
class Entry:
    """One document in the recycle bin."""

    id: str
    source: str
    removed_at: str
    editor: str
    reason: str  # "fjernet" or "erstattet"
    sha256: str

    def label(self) -> str:
        return f"{self.source} ({self.reason} {self.removed_at[:16].replace('T', ' ')})"


def bin_dir(settings: Settings) -> Path:
    return settings.library / "recycle"


def _copy_synced(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    with dst.open("rb") as handle:
        os.fsync(handle.fileno())


def put(settings: Settings, source: str, editor: str, reason: str) -> Entry:
    """Move the corpus document `source` (and its sidecar) into the bin."""
    path = settings.corpus_dir / source
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")  # microseconds: ids sort by time
    entry = Entry(
        id=f"{stamp}-{secrets.token_hex(3)}",
        source=source,
        removed_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        editor=editor,
        reason=reason,
        sha256=file_sha256(path),
    )
    folder = bin_dir(settings) / entry.id
    folder.mkdir(parents=True)
    os.chmod(folder, 0o700)
    sidecar = sidecar_of(settings, source)
    _copy_synced(path, folder / path.name)
    if sidecar:
        _copy_synced(sidecar, folder / sidecar.name)
    (folder / ENTRY).write_text(json.dumps(asdict(entry), ensure_ascii=False), encoding="utf-8")
    path.unlink()
    if sidecar:
        sidecar.unlink(missing_ok=True)
    return entry


def entries(settings: Settings) -> list[Entry]:
    """Everything in the bin, newest first; a damaged entry is passed over."""
    found = []
    root = bin_dir(settings)
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            found.append(Entry(**json.loads((folder / ENTRY).read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return sorted(found, key=lambda e: e.id, reverse=True)


def find(settings: Settings, key: str) -> Entry:
    """The entry with id `key`, or the newest one of the document named `key`."""
    all_entries = entries(settings)
    for entry in all_entries:
        if entry.id == key:
            return entry
    named = [e for e in all_entries if e.source == key or e.source.casefold() == key.casefold()]
    if named:
        return named[0]
    raise LibraryError(
        f"»{key}« er ikke i papirkurven. Se papirkurven med `casechat list` "
        "eller i fanen Dokumenter."
    )


def take_back(settings: Settings, entry: Entry) -> None:
    """Put the entry's document back where it was; refused if that name is taken now."""
    target = settings.corpus_dir / entry.source
    if ".." in Path(entry.source).parts or Path(entry.source).is_absolute():
        raise LibraryError(f"Papirkurvens post {entry.id} er beskadiget og gendannes ikke.")
    if target.exists() or target.is_symlink():
        raise LibraryError(
            f"Der er allerede et dokument med navnet {entry.source} i korpusset. "
            "Fjern det først, og gendan så dette."
        )
    folder = bin_dir(settings) / entry.id
    name = Path(entry.source).name
    target.parent.mkdir(parents=True, exist_ok=True)
    sidecar = folder / (name + META_SUFFIX)
    if sidecar.is_file():
        data = sidecar.read_bytes()
        place(target.parent, name + META_SUFFIX, lambda h: h.write(data))

    def copy(handle) -> None:
        with (folder / name).open("rb") as src:
            shutil.copyfileobj(src, handle, 1 << 20)

    place(target.parent, name, copy)
    shutil.rmtree(folder, ignore_errors=True)
