"""From a corpus folder to cleaned documents, reporting files that cannot be used."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

from base.errors import CorpusError
from ingest.clean import clean, is_furniture, normalize, strip_markup
from ingest.document import Document, DocumentMeta, Section
from ingest.filestat import Known, StatCache
from ingest.load import SourceFile, find_files, is_corpus_file, read_source, reread
from ingest.municipalities import about
from ingest.ocr_pages import PageProgress, ocr_texts
from ingest.readers import ISOLATED, MAX_BYTES, ocr
from ingest.readers.base import ReadDocument
from ingest.readers.sandbox import parse_isolated


@dataclass(frozen=True)
class Problem:
    """A corpus file that was skipped, and why (in Danish, for the person)."""

    source: str
    reason: str


def fallback_title(raw_text: str, source: str) -> str:
    """The text's first line, skipping web residue, dates and navigation above the title.

    Navigation (as in a saved web article) is a block of several short lines;
    a title is a line of its own.
    """
    first = None
    for para in re.split(r"\n\s*\n", normalize(raw_text)):
        lines = [strip_markup(ln.lstrip("#").strip()) for ln in para.split("\n")]
        lines = [ln for ln in lines if ln and not is_furniture(ln)]
        if not lines:
            continue
        first = first or lines[0]
        if len(lines) == 1 or any(len(ln.split()) > 5 for ln in lines):
            return lines[0][:120]
    return first[:120] if first else Path(source).stem


def read_structured(
    src: SourceFile, on_page: PageProgress | None = None, ocr_later: bool = False
) -> ReadDocument:
    """Parse a PDF, DOCX, PPTX, ODT or HTML file in a child process
    (ingest/readers/sandbox.py); scanned PDF pages are read by OCR (ingest/ocr_pages.py),
    with `on_page` called after each. `ocr_later`: only check that OCR can run (an
    upload's check; the build reads the scans, with its progress bar)."""
    if src.path is None:
        raise CorpusError("filen kan ikke findes igen til læsning")
    parsed = parse_isolated(src.path, src.format, MAX_BYTES[src.format])
    _same_bytes(src, parsed.sha256)
    scans = parsed.document.ocr_pages
    if not scans:
        return parsed.document
    if ocr.missing():
        if parsed.document.text.strip():
            return parsed.document  # the pages with text are searchable; the scans wait
        raise CorpusError(f"scannet PDF uden tekstlag: {ocr.missing()}")
    if ocr_later:
        return parsed.document
    texts = ocr_texts(src.path, parsed.sha256, scans, on_page)
    again = parse_isolated(src.path, src.format, MAX_BYTES[src.format], {"ocr": texts})
    _same_bytes(src, again.sha256)
    return again.document


def _same_bytes(src: SourceFile, sha256: str) -> None:
    if src.content_sha256 and sha256 != src.content_sha256:
        raise CorpusError(
            "filen blev ændret, mens den blev læst. "
            "Kør `casechat build` igen, når den er gemt færdig."
        )


def _merge_meta(src: SourceFile, found: DocumentMeta) -> DocumentMeta:
    """Each field the sidecar names overrides what was found in the file."""
    if src.meta is None:
        return found
    named = src.named

    def pick(field: str):
        return getattr(src.meta if field in named else found, field)

    return DocumentMeta(
        pick("title") or found.title,
        *(pick(f) for f in ("municipalities", "date", "kind")),
        url=src.meta.url,
        author=src.meta.author,
    )


def to_document(
    src: SourceFile, on_page: PageProgress | None = None, ocr_later: bool = False
) -> Document:
    """Clean (plain text) or parse (PDF, DOCX, HTML, ...) a file into a Document;
    `on_page(done, total)` follows the OCR of scanned pages; with `ocr_later` they are
    left for the build (the document may then have no text yet)."""
    src = reread(src)  # a file from the stat cache has no text yet
    waiting = False  # scanned pages left for the build's OCR
    if src.format in ISOLATED:
        read = read_structured(src, on_page, ocr_later)
        waiting = bool(read.ocr_pages) and ocr_later
        text = read.text  # the readers normalize as they go (ingest/readers/base.py tidy)
        sections = tuple(Section(s.heading, s.start, s.end) for s in read.sections or ())
        title = read.meta_found.title or read.first_heading or fallback_title(text, src.source)
        found = DocumentMeta(title=title[:200], date=read.meta_found.date)
        meta = _merge_meta(src, found)
        if "municipalities" not in src.named:
            meta = replace(meta, municipalities=about(text, meta.title))
        pages, page_count = read.pages, read.page_count
    else:
        named_title = src.meta.title if src.meta and "title" in src.named else None
        title = named_title or fallback_title(src.raw_text, src.source)
        cleaned = clean(src.raw_text, title)
        text, sections = cleaned.text, cleaned.sections
        meta = _merge_meta(src, DocumentMeta(title=title))
        if "municipalities" not in src.named:
            meta = replace(meta, municipalities=about(text, meta.title))
        pages, page_count = (), None
    if not text.strip() and not waiting:
        raise CorpusError("filen indeholder ingen tekst efter rensning")
    return Document(
        source=src.source,
        text=text,
        meta=meta,
        sha256=src.sha256,
        sections=sections,
        format=src.format,
        reader=src.reader,
        page_count=page_count,
        pages=pages,
    )


def _shown(rel: str) -> str:
    """A file name fit for messages and JSON, even if it is not valid UTF-8 on disk."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "filen findes ikke længere (slettet under læsningen)"
    if isinstance(exc, PermissionError):
        return "casechat har ikke adgang til at læse filen; ret filens rettigheder"
    return f"filen kan ikke læses ({exc.strerror or exc})"


def content_key(src: SourceFile) -> str:
    """What makes two files duplicates: the same text, whatever its encoding or line ends
    (for parsed formats: the same bytes)."""
    if src.cached_key:
        return src.cached_key
    if src.format in ISOLATED:
        return f"{src.format}:{src.content_sha256}"
    return hashlib.sha256(normalize(src.raw_text).strip().encode("utf-8")).hexdigest()


def _keep_first(src: SourceFile, indexed: Collection[str]) -> tuple[bool, bool, str]:
    # Which of two duplicates to keep: the one already indexed (a copy added later
    # must not evict it), then the one with metadata, then the first by name.
    return (src.source not in indexed, src.meta is None, src.source)


def scan_corpus(
    corpus_dir: Path, indexed: Collection[str] = (), stats: StatCache | None = None
) -> tuple[list[SourceFile], list[Problem]]:
    """Read every usable file below `corpus_dir`; list the others with their reason.

    Files with the same text are indexed once: the one already in the index
    (`indexed`), else the one with a metadata sidecar, else the first by name;
    each other copy is a problem that names the file it duplicates. With `stats`
    (ingest/filestat.py), files whose stat is unchanged are not read again, and
    what was read is recorded there for the next scan.
    """
    files, skipped = find_files(corpus_dir)
    problems = [Problem(_shown(p.relative_to(corpus_dir).as_posix()), r) for p, r in skipped]
    copies: dict[str, list[SourceFile]] = {}  # content key -> files with that text
    for path in files:
        rel = path.relative_to(corpus_dir).as_posix()
        if _shown(rel) != rel:  # undecodable bytes in the name: ids and JSON need UTF-8
            problems.append(Problem(_shown(rel), "filnavnet er ikke gyldig UTF-8; omdøb filen"))
            continue
        if not is_corpus_file(path):
            problems.append(Problem(rel, f"filtypen {path.suffix or '(ingen)'} understøttes ikke"))
            continue
        try:
            src = read_source(path, corpus_dir, stats.get(rel) if stats else None)
        except CorpusError as exc:
            problems.append(Problem(rel, str(exc)))
            continue
        except OSError as exc:
            problems.append(Problem(rel, _os_reason(exc)))
            continue
        key = content_key(src)
        if stats is not None:
            stats.record(rel, Known(src.stat, src.sha256, src.content_sha256, src.format, key))
        copies.setdefault(key, []).append(src)
    sources = []
    for group in copies.values():
        kept, *others = sorted(group, key=lambda src: _keep_first(src, indexed))
        sources.append(kept)
        problems.extend(
            Problem(o.source, f"samme tekst som {kept.source}; den indekseres kun én gang")
            for o in others
        )
    sources.sort(key=lambda src: src.source)
    return sources, sorted(problems, key=lambda p: p.source)
