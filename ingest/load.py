"""Find corpus files, decode them, and read their metadata.

Which reader a file needs is decided from its content and its suffix
(ingest/readers/sniff.py); the readers themselves live in ingest/readers/.
Here the file's bytes are read and hashed (the build compares hashes before it
parses anything), plain text is decoded, and the metadata sidecar is read.

Nothing outside the corpus folder is read: links to folders are never
followed, and a file or sidecar whose real path lies outside is refused before
it is opened.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from base.errors import CorpusError
from ingest.document import DocumentMeta
from ingest.filestat import Known, Stat, stat_of
from ingest.readers import ISOLATED, MAX_BYTES, READERS, reader_id
from ingest.readers.sniff import SUFFIXES, detect
from ingest.readers.txt import decode_text

__all__ = ["decode_text", "read_source", "SourceFile", "MAX_FILE_BYTES", "READERS"]

META_SUFFIX = ".meta.json"
#: Plain text files larger than this are refused unread: a case text is a few hundred
#: kB at most, and 20 MB is already about 33,000 passages, over an hour of embedding
#: on two cores. Other formats have their own limits (ingest/readers MAX_BYTES).
MAX_FILE_BYTES = MAX_BYTES["txt"]
#: A sidecar holds a title and a few fields.
MAX_META_BYTES = 1024 * 1024
#: A file that is still being written is read again this many times before it is skipped.
READ_ATTEMPTS = 3
#: Sidecar fields that override what casechat finds in the document itself.
META_FIELDS = ("title", "municipalities", "date", "kind")


@dataclass(frozen=True)
class SourceFile:
    """A corpus file read from disk, before cleaning."""

    source: str  # path relative to the corpus folder, with forward slashes
    raw_text: str  # the decoded text; "" for formats parsed later (PDF, DOCX, HTML)
    meta: DocumentMeta | None
    sha256: str  # of the file bytes and its metadata bytes together
    #: The format its content was recognized as (a key of ingest/readers READERS).
    format: str = "txt"
    #: Where the file lies, for the parser that runs in a child process.
    path: Path | None = None
    #: sha256 of the file's bytes alone (what the parser must see).
    content_sha256: str = ""
    #: The sidecar fields that were named, and so override what is found in the file.
    named: frozenset[str] = field(default_factory=frozenset)
    #: The stat of the file (and its sidecar) as read, for the stat cache (ingest/filestat.py).
    stat: Stat = ()
    #: Set when taken from the stat cache: its duplicate key. The text is not read then
    #: (`raw_text` is ""); `reread` reads it.
    cached_key: str = ""

    @property
    def reader(self) -> str:
        """The reader and its version, e.g. 'pdf@1' (recorded in the manifest)."""
        return reader_id(self.format)


def is_corpus_file(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and not path.name.endswith(META_SUFFIX)


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
            f"Korpusmappen {corpus_dir} findes ikke. Opret den og læg tekster i den "
            "(.txt, .md, .pdf, .docx, .pptx, .odt eller .html)."
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


def parse_meta(data: bytes, where: Path) -> tuple[DocumentMeta, frozenset[str]]:
    """The sidecar's metadata and the fields it names; each named field overrides."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"metadatafilen {where.name} er ikke gyldig JSON: {exc}") from exc
    if not isinstance(raw, dict) or ("title" in raw and not str(raw["title"] or "").strip()):
        raise CorpusError(
            f"metadatafilen {where.name} skal være et JSON-objekt; 'title' må ikke være tom"
        )
    munis = raw.get("municipalities") or []
    if isinstance(munis, str):
        munis = [munis]
    meta = DocumentMeta(
        title=str(raw.get("title") or "").strip(),
        municipalities=tuple(str(m).strip() for m in munis if str(m).strip()),
        date=str(raw["date"]) if raw.get("date") else None,
        kind=str(raw["kind"]) if raw.get("kind") else None,
        url=str(raw["url"])
        if str(raw.get("url") or "").startswith(("http://", "https://"))
        else None,
        author=str(raw["author"]) if raw.get("author") else None,
    )
    return meta, frozenset(f for f in META_FIELDS if f in raw)


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
    """The file's bytes, read again if the file changed while it was read (see `_read_stat`)."""
    return _read_stat(path, limit, what)[0]


def _read_stat(path: Path, limit: int, what: str) -> tuple[bytes, os.stat_result]:
    """The file's bytes and its stat, read again if the file changed while it was read.

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
            return data, now
    raise CorpusError(
        f"{what} blev ændret, mens den blev læst ({READ_ATTEMPTS} forsøg). "
        "Kør `casechat build` igen, når den er gemt færdig."
    )


def read_source(path: Path, corpus_dir: Path, known: Known | None = None) -> SourceFile:
    """Read one corpus file and its optional sidecar metadata, both inside `corpus_dir`.

    Plain text is decoded here; PDF, DOCX and HTML are only hashed (the build
    parses them later, in a child process, and only when they changed). With
    `known` (its stat cache entry) a file whose stat and sidecar's stat are unchanged
    is not read: only its sidecar is (the checks above come first either way).
    """
    if path.suffix.lower() not in SUFFIXES:
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
    if known is not None:
        cached = _from_cache(path, corpus_dir, root, known)
        if cached is not None:
            return cached
    named_fmt = SUFFIXES[path.suffix.lower()]
    data, stat = _read_stat(path, MAX_BYTES[named_fmt], "filen")
    file_stat = stat_of(stat)
    fmt = detect(data, path.suffix)
    if len(data) > MAX_BYTES[fmt]:
        raise _too_big(len(data), MAX_BYTES[fmt], "filen")
    content_sha = hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256(data)
    meta, named, meta_bytes, meta_stat = _sidecar(path, root)
    if meta_bytes is not None:
        digest.update(b"\0meta\0" + meta_bytes)
    text = "" if fmt in ISOLATED else READERS[fmt].read(data).text
    if fmt not in ISOLATED and not text.strip():
        raise CorpusError("filen er tom")
    if fmt in ISOLATED and not data.strip():
        raise CorpusError("filen er tom")
    return SourceFile(
        source=path.relative_to(corpus_dir).as_posix(),
        raw_text=text,
        meta=meta,
        sha256=digest.hexdigest(),
        format=fmt,
        path=path,
        content_sha256=content_sha,
        named=named,
        stat=file_stat + meta_stat,
    )


def _sidecar(
    path: Path, root: Path
) -> tuple[DocumentMeta | None, frozenset[str], bytes | None, Stat]:
    """The sidecar's metadata, named fields, bytes and stat (None and () without one)."""
    sidecar = meta_path(path)
    if sidecar.is_symlink() or sidecar.exists():
        if not inside(sidecar, root):
            raise CorpusError(
                f"metadatafilen {sidecar.name} er et link uden for korpusmappen og læses ikke"
            )
        if sidecar.is_file():
            data, stat = _read_stat(sidecar, MAX_META_BYTES, f"metadatafilen {sidecar.name}")
            meta, named = parse_meta(data, sidecar)
            return meta, named, data, stat_of(stat)
    return None, frozenset(), None, ()


def _from_cache(path: Path, corpus_dir: Path, root: Path, known: Known) -> SourceFile | None:
    """The file as its stat cache entry knows it, or None when the file or sidecar changed."""
    if stat_of(os.stat(path)) != known.stat[:5]:
        return None
    meta, named, _, meta_stat = _sidecar(path, root)
    if known.stat != known.stat[:5] + meta_stat:
        return None
    return SourceFile(
        source=path.relative_to(corpus_dir).as_posix(),
        raw_text="",
        meta=meta,
        sha256=known.sha256,
        format=known.format,
        path=path,
        content_sha256=known.content_sha256,
        named=named,
        stat=known.stat,
        cached_key=known.key,
    )


def reread(src: SourceFile) -> SourceFile:
    """A file taken from the stat cache, read in full (its text is needed after all)."""
    if not src.cached_key or src.path is None:
        return src
    corpus_dir = src.path.parents[src.source.count("/")]
    return read_source(src.path, corpus_dir)
