"""Find corpus files, decode them, and read their metadata.

Supported formats are registered in `READERS` by file suffix: to add PDF, DOCX
or HTML later, add a function that turns the file's bytes into plain text.

Nothing outside the corpus folder is read: links to folders are never
followed, and a file or sidecar whose real path lies outside is refused before
it is opened.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from base.errors import CorpusError
from ingest.document import DocumentMeta

META_SUFFIX = ".meta.json"
#: Files larger than this are refused unread: a case text is a few hundred kB at most,
#: and 20 MB is already about 33,000 passages, over an hour of embedding on two cores.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: A sidecar holds a title and a few fields.
MAX_META_BYTES = 1024 * 1024
#: A file that is still being written is read again this many times before it is skipped.
READ_ATTEMPTS = 3

# C0 control characters that never occur in text (tab, newlines, form feed do).
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _refuse_binary(text: str) -> str:
    controls = len(_BINARY_CONTROL.findall(text))
    if controls > max(5, len(text) // 100):
        raise CorpusError("filen ser binær ud (mange kontroltegn), ikke som tekst")
    return text


def _decode_lines(data: bytes) -> str:
    """UTF-8 line by line, Windows-1252 for the lines that are not UTF-8.

    A text pasted together from an old Word export and a new editor has both
    encodings in one file; deciding per line keeps æ, ø and å right in each part.
    """
    parts, undefined = [], 0
    for line in data.splitlines(keepends=True):
        try:
            parts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            part = line.decode("cp1252", errors="replace")
            undefined += part.count("\ufffd")
            parts.append(part)
    text = "".join(parts)
    if undefined > max(5, len(text) // 200):
        raise CorpusError("filen kan ikke læses som tekst (hverken UTF-8 eller Windows-1252)")
    return text


def decode_text(data: bytes) -> str:
    """Decode Danish text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Windows-1252 is a superset of Latin-1 for the printable range, so Word
    exports and old Latin-1 files both come out with correct æ, ø and å. A file
    that is not UTF-8 as a whole is decoded line by line (see `_decode_lines`).
    Binary files (NUL bytes, many control characters, undefined bytes) are refused.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        try:
            return _refuse_binary(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise CorpusError("filen er ikke gyldig UTF-16, selv om den starter som det") from exc
    if b"\x00" in data[:8192]:
        raise CorpusError("filen ser binær ud (indeholder NUL-bytes), ikke som tekst")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_lines(data)
    return _refuse_binary(text)


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


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, every link followed, lies in the folder `root` (a resolved path)."""
    return path.resolve().is_relative_to(root)


def find_files(corpus_dir: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Candidate files below `corpus_dir`, sorted, and the folders passed over with a reason.

    Hidden files and folders, README.md and metadata sidecars are no candidates
    and are not reported. Links to folders are never followed (one pointing at
    `/` would walk the whole disk); each is reported instead.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"Korpusmappen {corpus_dir} findes ikke. Opret den og læg .txt- eller .md-filer i den."
        )
    root = corpus_dir.resolve()
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []

    def unreadable(exc: OSError) -> None:
        skipped.append((Path(exc.filename), f"mappen kan ikke læses ({exc.strerror})"))

    for folder, dirnames, filenames in os.walk(corpus_dir, onerror=unreadable):
        here = Path(folder)
        for name in list(dirnames):
            path = here / name
            if name.startswith("."):
                dirnames.remove(name)
            elif path.is_symlink():
                dirnames.remove(name)
                where = (
                    "til en anden mappe i korpusset og følges ikke"
                    if inside(path, root)
                    else "uden for korpusmappen og læses ikke"
                )
                skipped.append((path, f"mappen er et link {where}"))
        files.extend(
            here / name
            for name in filenames
            if not name.startswith(".") and name != "README.md" and not name.endswith(META_SUFFIX)
        )
    return sorted(files), sorted(skipped)


def discover(corpus_dir: Path) -> list[Path]:
    """All candidate files below `corpus_dir`, sorted (see `find_files`)."""
    return find_files(corpus_dir)[0]


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


def _too_big(size: int, limit: int, what: str) -> CorpusError:
    return CorpusError(
        f"{what} er {size / 1e6:.0f} MB; grænsen er {limit // 10**6} MB. "
        "Del teksten op i mindre filer (fx én case pr. fil)."
    )


def _read_once(path: Path, limit: int, what: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its state when it was opened; a too large file is not opened."""
    size = os.stat(path).st_size
    if size > limit:
        raise _too_big(size, limit, what)
    with open(path, "rb") as handle:
        opened = os.fstat(handle.fileno())
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew after the size check
        raise _too_big(len(data), limit, what)
    return data, opened


def read_stable(path: Path, limit: int = MAX_FILE_BYTES, what: str = "filen") -> bytes:
    """The file's bytes, read again if the file changed while it was read.

    The file's identity, size and modification time (ns) when it was opened are
    compared with a fresh stat afterwards: a file an editor or a sync client is
    writing right now differs, and is read again, up to READ_ATTEMPTS times.
    Comparing stat results costs nothing, where hashing before and after would
    read the file twice.
    """
    for _ in range(READ_ATTEMPTS):
        data, opened = _read_once(path, limit, what)
        now = os.stat(path)
        same = (opened.st_ino, opened.st_dev, opened.st_size, opened.st_mtime_ns) == (
            now.st_ino,
            now.st_dev,
            now.st_size,
            now.st_mtime_ns,
        )
        if same and len(data) == now.st_size:
            return data
    raise CorpusError(
        f"{what} blev ændret, mens den blev læst ({READ_ATTEMPTS} forsøg). "
        "Kør `casechat build` igen, når den er gemt færdig."
    )


def read_source(path: Path, corpus_dir: Path) -> SourceFile:
    """Read one corpus file and its optional sidecar metadata, both inside `corpus_dir`."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CorpusError(f"filtypen {path.suffix or '(ingen)'} understøttes ikke")
    root = corpus_dir.resolve()
    if not inside(path, root):
        raise CorpusError("filen er et link, der peger uden for korpusmappen, og læses ikke")
    if not path.is_file():
        raise CorpusError(
            "filen er ikke en almindelig fil (fx en pipe eller en enhed) og læses ikke"
            if path.exists()
            else "filen findes ikke (længere); et link uden mål eller slettet under læsningen"
        )
    data = read_stable(path)
    digest = hashlib.sha256(data)
    meta = None
    sidecar = meta_path(path)
    if sidecar.is_symlink() or sidecar.exists():
        if not inside(sidecar, root):
            raise CorpusError(
                f"metadatafilen {sidecar.name} er et link uden for korpusmappen og læses ikke"
            )
        if sidecar.is_file():
            meta_bytes = read_stable(sidecar, MAX_META_BYTES, f"metadatafilen {sidecar.name}")
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
