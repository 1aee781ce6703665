"""Find corpus files, decode them, and read their metadata.

Supported formats are registered in `READERS` by file suffix: to add PDF, DOCX
or HTML later, add a function that turns the file's bytes into plain text.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from casechat.errors import CorpusError
from ingest.document import DocumentMeta

META_SUFFIX = ".meta.json"
#: Files larger than this are refused: a case text is a few hundred kB at most.
MAX_FILE_BYTES = 20 * 1024 * 1024


def decode_text(data: bytes) -> str:
    """Decode Danish text: UTF-8 (with or without BOM), else Windows-1252.

    Windows-1252 is a superset of Latin-1 for the printable range, so Word
    exports and old Latin-1 files both come out with correct æ, ø and å.
    """
    if b"\x00" in data[:8192]:
        raise CorpusError("filen ser binær ud (indeholder NUL-bytes), ikke som tekst")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > max(5, len(text) // 200):
        raise CorpusError("filen kan ikke læses som tekst (hverken UTF-8 eller Windows-1252)")
    return text


READERS: dict[str, Callable[[bytes], str]] = {
    ".txt": decode_text,
    ".md": decode_text,
}


@dataclass(frozen=True)
class SourceFile:
    """A corpus file read from disk, before cleaning."""

    source: str  # path relative to the corpus folder, with forward slashes
    raw_text: str
    meta: DocumentMeta | None
    sha256: str  # of the file bytes and its metadata bytes together


def is_corpus_file(path: Path) -> bool:
    return path.suffix.lower() in READERS and not path.name.endswith(META_SUFFIX)


def discover(corpus_dir: Path) -> list[Path]:
    """All candidate files below `corpus_dir`, sorted, metadata sidecars excluded."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"Korpusmappen {corpus_dir} findes ikke. Opret den og læg .txt- eller .md-filer i den."
        )
    files = [
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "README.md"
    ]
    return sorted(files)


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + META_SUFFIX)


def parse_meta(data: bytes, where: Path) -> DocumentMeta:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"metadatafilen {where.name} er ikke gyldig JSON: {exc}") from exc
    if not isinstance(raw, dict) or not str(raw.get("title", "")).strip():
        raise CorpusError(f"metadatafilen {where.name} skal være et JSON-objekt med 'title'")
    munis = raw.get("municipalities") or []
    if isinstance(munis, str):
        munis = [munis]
    return DocumentMeta(
        title=str(raw["title"]).strip(),
        municipalities=tuple(str(m).strip() for m in munis if str(m).strip()),
        date=str(raw["date"]) if raw.get("date") else None,
        kind=str(raw["kind"]) if raw.get("kind") else None,
    )


def read_source(path: Path, corpus_dir: Path) -> SourceFile:
    """Read one corpus file and its optional sidecar metadata."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CorpusError(f"filtypen {path.suffix or '(ingen)'} understøttes ikke")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CorpusError(f"filen er {size / 1e6:.0f} MB; grænsen er {MAX_FILE_BYTES // 10**6} MB")
    data = path.read_bytes()
    digest = hashlib.sha256(data)
    meta = None
    sidecar = meta_path(path)
    if sidecar.is_file():
        meta_bytes = sidecar.read_bytes()
        digest.update(b"\0meta\0" + meta_bytes)
        meta = parse_meta(meta_bytes, sidecar)
    text = reader(data)
    if not text.strip():
        raise CorpusError("filen er tom")
    return SourceFile(
        source=path.relative_to(corpus_dir).as_posix(),
        raw_text=text,
        meta=meta,
        sha256=digest.hexdigest(),
    )
