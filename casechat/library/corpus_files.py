"""The corpus folder as the one source of truth: check an upload, add, replace, remove.

An upload is first copied to a staging folder of the library (never the
corpus) and read there with the build's own reader, so a file casechat cannot
use is refused with its reason and changes nothing: it never enters the corpus.
A file that is taken in lands in two atomic steps, its sidecar first, then the
file (`os.replace` from a hidden temporary name the corpus walk skips), so a
crash leaves either the old state or a complete file. Whatever a change puts
aside (a replaced or removed file and its sidecar) goes to the recycle bin
(casechat/library/recycle.py) and can be restored.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from base.errors import CasechatError, LibraryError
from base.settings import Settings
from casechat.library.names import safe_name, sniff
from index.manifest import file_sha256
from index.writer import fsync_path
from ingest.document import DocumentMeta
from ingest.load import META_SUFFIX, discover, meta_path, read_source
from ingest.pipeline import to_document
from ingest.readers import MAX_BYTES

#: Prefix of the temporary names a file is written under before it is swapped in.
TMP_PREFIX = ".upload-"


@dataclass(frozen=True)
class Conflict:
    """An upload that matches a document already in the corpus."""

    existing: str  # its source name
    why: str  # "name" or "content"

    def describe(self) -> str:
        what = "samme navn" if self.why == "name" else "samme indhold"
        return f"{what} som {self.existing}"


@dataclass(frozen=True)
class Candidate:
    """A checked upload in the staging folder, ready to be added."""

    staged: Path
    original: str
    name: str
    format: str
    size: int
    sha256: str
    found: DocumentMeta
    pages: int | None = None
    conflict: Conflict | None = None


def corpus_names(settings: Settings) -> list[str]:
    """The document files of the corpus, as source names (relative, forward slashes)."""
    root = settings.corpus_dir
    return [p.relative_to(root).as_posix() for p in discover(root)]


def find_conflict(settings: Settings, name: str, sha256: str) -> Conflict | None:
    """A corpus document with the same name (ignoring case) or the same bytes."""
    names = corpus_names(settings)
    for existing in names:
        if existing.casefold() == name.casefold():
            return Conflict(existing, "name")
    for existing in names:
        path = settings.corpus_dir / existing
        if path.stat().st_size and file_sha256(path) == sha256:
            return Conflict(existing, "content")
    return None


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f}".replace(".", ",")


def check_upload(settings: Settings, upload: Path, original: str, staging: Path) -> Candidate:
    """Check one uploaded file and copy it into `staging`; LibraryError says why not."""
    size = upload.stat().st_size
    limit = settings.max_upload_bytes
    if size > limit:
        raise LibraryError(f"filen er {_mb(size)} MB; grænsen er {_mb(limit)} MB pr. fil")
    if size == 0:
        raise LibraryError("filen er tom")
    with upload.open("rb") as handle:
        head = handle.read(1 << 20)
        handle.seek(max(0, size - 65536))
        tail = handle.read() if size > len(head) else b""
    fmt = sniff(head + tail if tail else head, original)
    if size > MAX_BYTES[fmt]:
        raise LibraryError(
            f"filen er {_mb(size)} MB; grænsen for {fmt.upper()} er {_mb(MAX_BYTES[fmt])} MB"
        )
    name = safe_name(original, fmt)
    folder = staging / secrets.token_hex(8)
    folder.mkdir(parents=True)
    staged = folder / name
    shutil.copyfile(upload, staged)
    try:
        document = to_document(read_source(staged, folder), ocr_later=True)  # OCR: the build
    except CasechatError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise LibraryError(str(exc)) from exc
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise LibraryError(f"filen kan ikke læses ({exc.strerror or exc})") from exc
    sha = file_sha256(staged)
    return Candidate(
        staged=staged,
        original=original,
        name=name,
        format=fmt,
        size=size,
        sha256=sha,
        found=document.meta,
        pages=document.page_count,
        conflict=find_conflict(settings, name, sha),
    )


def sidecar_data(meta: DocumentMeta, original: str) -> dict[str, object]:
    """The `.meta.json` fields: title always, the others when given."""
    data: dict[str, object] = {"title": meta.title}
    if meta.municipalities:
        data["municipalities"] = list(meta.municipalities)
    if meta.date:
        data["date"] = meta.date
    if meta.kind:
        data["kind"] = meta.kind
    data["original_file"] = original
    return data


def place(folder: Path, name: str, write) -> None:
    """Write `name` in `folder` under a hidden temporary name, then swap it in atomically."""
    tmp = folder / f"{TMP_PREFIX}{secrets.token_hex(6)}"
    try:
        with tmp.open("xb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / name)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_path(folder)


def write_document(settings: Settings, name: str, source: Path, meta: dict[str, object]) -> None:
    """Put a document and its sidecar into the corpus: sidecar first, then the file.

    Killed in between, the old file (if any) is read with the new sidecar; the
    next `add` of the same upload repairs it. The file is never half written.
    """
    corpus = settings.corpus_dir
    payload = json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    place(corpus, name + META_SUFFIX, lambda h: h.write(payload))

    def copy(handle) -> None:
        with source.open("rb") as src:
            shutil.copyfileobj(src, handle, 1 << 20)

    place(corpus, name, copy)


def resolve_source(settings: Settings, name: str) -> str:
    """The corpus document `name` names (exactly as listed, never a path of its own)."""
    names = corpus_names(settings)
    if name in names:
        return name
    folded = [n for n in names if n.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise LibraryError(
        f"Der er intet dokument med navnet »{name}« i korpusset. "
        "Se navnene med `casechat list` eller i fanen Dokumenter."
    )


def sidecar_of(settings: Settings, source: str) -> Path | None:
    path = meta_path(settings.corpus_dir / source)
    return path if path.is_file() and not path.is_symlink() else None


def clean_leftovers(settings: Settings) -> list[str]:
    """Delete temporary files a killed upload left in the corpus; their names."""
    left = [p for p in settings.corpus_dir.glob(f"{TMP_PREFIX}*") if p.is_file()]
    for path in left:
        path.unlink(missing_ok=True)
    return [p.name for p in left]
