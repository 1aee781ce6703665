"""PDF with pypdfium2 (PDFium): text per page, page furniture out, sections from bookmarks.

PDFium returns each page as lines ending in CRLF. It marks a word hyphenated
at the end of a line with U+FFFE and drops the line break there; whether the
hyphen belongs to the word ("LTSP-server") or only to the typesetting
("adgangs-koder") is decided by the rest of the document (see `_unhyphenate`).
Running headers and footers are lines at the top or bottom of a page that
repeat, digits aside, on many pages; tables of contents (dot leaders) are
dropped. Paragraphs are rebuilt from the lines: a line that ends a sentence
and stops well short of the usual line width ends its paragraph.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from base.errors import CorpusError
from ingest.readers.base import Block, FoundMeta, ReadDocument, assemble, tidy
from ingest.readers.ocr import clean as clean_ocr
from ingest.readers.pdf_layout import TABLE_MARK, page_boxes, reading_order

FORMAT = "pdf"
VERSION = 2  # 2: reading order of columns and tables, OCR of scanned pages

_SOFT_HYPHENS = "\ufffe\u00ad\x02"
_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+\s*$|…{2,}\s*\d+\s*$")
_PAGE_NO = re.compile(r"^(?:side\s*|page\s*)?\d{1,4}(?:\s*(?:/|af|of)\s*\d{1,4})?$", re.I)
_ROMAN = re.compile(r"^[ivxlc]{1,6}$", re.I)
_BULLET = re.compile(r"^(?:[•▪●◦■–\-*]\s|\d{1,2}[.)]\s)")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")
_SENTENCE_END = tuple('.!?:;"”’)»')
_WORD = re.compile(r"\w+(?:-\w+)*")
#: A line ending inside a web address, and a next line that carries it on.
_URL_END = re.compile(r"(?:https?://|www\.)\S*?([/\-_.=?&#%])?$")
_URL_GOES_ON = re.compile(r"^[a-z0-9][\w\-./?=&#%~+]*$")
_URL_CHARS = re.compile(r"[/\-.=?&#]")


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message:
            raise CorpusError(
                "PDF-filen er krypteret med en adgangskode; gem en udgave uden adgangskode"
            ) from exc
        raise CorpusError(f"PDF-filen er beskadiget og kan ikke læses ({exc})") from exc


def _iso_date(value: str) -> str | None:
    match = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", value or "")
    return f"{match[1]}-{match[2]}-{match[3]}" if match else None


def _meta(pdf: pdfium.PdfDocument) -> FoundMeta:
    info = pdf.get_metadata_dict(skip_empty=True)
    title = tidy(info.get("Title", ""))
    if re.search(r"\.(docx?|pdf|indd|pptx?)$|^(untitled|microsoft word)", title, re.I):
        title = ""  # a file name or a program's placeholder, not a title
    return FoundMeta(title or None, _iso_date(info.get("CreationDate", "")))


def _outline(pdf: pdfium.PdfDocument) -> dict[int, list[tuple[int, str]]]:
    """Bookmarks by 0-based page: (level 1.., title)."""
    marks: dict[int, list[tuple[int, str]]] = {}
    try:
        for item in pdf.get_toc(max_depth=6):
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
            title = tidy(item.get_title() or "")
            if index is not None and title:
                marks.setdefault(index, []).append((item.level + 1, title))
    except pdfium.PdfiumError:
        return {}
    return marks


def _scanned(page: pdfium.PdfPage) -> bool:
    """A page with an image and no text layer: a scan, for OCR."""
    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))


def _page_lines(
    pdf: pdfium.PdfDocument, ocr: dict[str, str] | None
) -> tuple[list[list[str]], list[int]]:
    """Each page's lines in reading order, and the pages (1-based) that need OCR and have
    none in `ocr`; a page in `ocr` reads as its OCR text."""
    pages, total, scans = [], 0, []
    for number, page in enumerate(pdf, 1):
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        if not text.strip() and _scanned(page):
            if ocr is None or str(number) not in ocr:
                scans.append(number)
            text = clean_ocr((ocr or {}).get(str(number), ""))
            ordered = None
        else:
            ordered = (
                reading_order(page_boxes(textpage), page.get_height()) if text.strip() else None
            )
        total += len(text)
        if total > 20 * 1024 * 1024:
            raise CorpusError("PDF-filen indeholder over 20 mio. tegn tekst; del den op")
        if ordered is None:  # one flow: PDFium's own order (or Tesseract's)
            ordered = text.replace("\r\n", "\n").split("\n")
        pages.append(_rejoin_urls([ln.strip() for ln in ordered]))
    return pages, scans


def _rejoin_urls(lines: list[str]) -> list[str]:
    """A web address cut at a line end is one word again ("www.kl.dk/analyser/digital-"
    + "ledelse" → one address)."""
    out: list[str] = []
    for line in lines:
        head = line.split(" ", 1)[0] if line else ""
        end = _URL_END.search(out[-1]) if out else None
        cut = end is not None and (end[1] or _URL_CHARS.search(head))
        if cut and _URL_GOES_ON.match(head):
            out[-1] += line
        else:
            out.append(line)
    return out


def _furniture_key(line: str) -> str:
    words = [w for w in line.split() if not _ROMAN.match(w)]
    return re.sub(r"\d+", "#", " ".join(words)).lower()


def _drop_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers/footers, page numbers and tables of contents."""
    edge = 2
    counts: Counter[str] = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln]
        counts.update({_furniture_key(ln) for ln in body[:edge] + body[-edge:]})
    repeated = {k for k, n in counts.items() if n >= max(3, len(pages) * 0.3)}
    cleaned = []
    for lines in pages:
        body = [ln for ln in lines if ln]
        if body and sum(bool(_LEADER.search(ln)) for ln in body) >= 0.4 * len(body):
            cleaned.append([])  # a table of contents page
            continue
        keep = []
        for i, line in enumerate(body):
            at_edge = i < edge or i >= len(body) - edge
            if at_edge and (_furniture_key(line) in repeated or _PAGE_NO.match(line)):
                continue
            if _LEADER.search(line):
                continue
            keep.append(line)
        cleaned.append(keep)
    return cleaned


def _vocabulary(pages: list[list[str]]) -> set[str]:
    return {w.lower() for lines in pages for ln in lines for w in _WORD.findall(ln)}


def _unhyphenate(line: str, vocab: set[str]) -> str:
    """Decide each PDFium hyphen mark: join the word, or keep a real hyphen."""

    def decide(match: re.Match[str]) -> str:
        left, right = match[1], match[2]
        word = line[: match.start()].rsplit(" ", 1)[-1]
        if "://" in word or word.startswith("www."):
            return f"{left}-{right}"  # inside a web address a hyphen is the address's own
        if (left + right).lower() in vocab:
            return left + right
        if f"{left}-{right}".lower() in vocab or left[-1:].isupper() or left[-1:].isdigit():
            return f"{left}-{right}"
        return left + right

    pattern = rf"(\w+)[{_SOFT_HYPHENS}](\w*)"
    return re.sub(pattern, decide, line)


def _heading_level(line: str, marks: list[tuple[int, str]]) -> int:
    plain = re.sub(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+", "", line).strip().lower()
    for level, title in marks:
        if plain == title.lower() or line.lower() == title.lower():
            return level
    return 0


def _guess_level(line: str, following: str | None) -> int:
    """Without bookmarks: a short numbered line without a full stop is a heading."""
    match = _NUMBERED_HEADING.match(line)
    if not match or len(line) > 90 or line.endswith((".", ",", ";")) or following is None:
        return 0
    return match[1].count(".") + 1


def _blocks(pages: list[list[str]], outline: dict[int, list[tuple[int, str]]]) -> list[Block]:
    lengths = sorted(len(ln) for lines in pages for ln in lines)
    full = lengths[int(len(lengths) * 0.9)] if lengths else 80
    blocks: list[Block] = []
    para: list[str] = []
    starts: list[tuple[int, int]] = []
    size = 0

    def flush() -> None:
        nonlocal para, starts, size
        if para:
            blocks.append(Block(" ".join(para), 0, tuple(starts)))
        para, starts, size = [], [], 0

    in_table = False
    stream = [(p, ln) for p, lines in enumerate(pages) for ln in lines]
    for i, (page, line) in enumerate(stream):
        following = stream[i + 1][1] if i + 1 < len(stream) else None
        level = (
            _heading_level(line, outline.get(page, []))
            if outline
            else _guess_level(line, following)
        )
        if level:
            flush()
            blocks.append(Block(line, level, ((0, page + 1),)))
            continue
        if line.startswith(TABLE_MARK):  # rows of one table stay together, one row a line
            row = line[1:].strip()
            if para or not in_table:
                flush()
                blocks.append(Block(row, 0, ((0, page + 1),)))
            else:
                last = blocks[-1]
                blocks[-1] = Block(f"{last.text}\n{row}", 0, last.page_starts)
            in_table = True
            continue
        in_table = False
        new_page = bool(starts) and starts[-1][1] != page + 1
        if para and (_BULLET.match(line) or (new_page and para[-1].endswith(_SENTENCE_END))):
            flush()
        if not starts or starts[-1][1] != page + 1:
            starts.append((size + (1 if para else 0), page + 1))
        size += len(line) + (1 if para else 0)
        para.append(line)
        if line.endswith(_SENTENCE_END) and len(line) < 0.85 * full:
            flush()
    flush()
    return blocks


def read(data: bytes, ocr: dict[str, str] | None = None) -> ReadDocument:
    """Read a PDF; refuse one that is encrypted, damaged or has no text at all.

    Scanned pages (an image, no text layer) read as their text in `ocr` ({"7": text});
    those not in it are listed in `ocr_pages` (ingest/ocr_pages.py reads them)."""
    pdf = _open(data)
    try:
        meta = _meta(pdf)
        raw, scans = _page_lines(pdf, ocr)
        if not any(any(ln for ln in lines) for lines in raw):
            if scans:
                return ReadDocument("", (), meta_found=meta, page_count=len(raw),
                                    ocr_pages=tuple(scans))  # fmt: skip
            raise CorpusError("ingen tekst – er det en scannet PDF?")
        outline = _outline(pdf)
        pages = _drop_furniture(raw)
        vocab = _vocabulary(pages)
        pages = [[tidy(_unhyphenate(ln, vocab)) for ln in lines] for lines in pages]
        pages = [[ln for ln in lines if ln] for lines in pages]
        read = assemble(_blocks(pages, outline), meta, page_count=len(raw))
        return replace(read, ocr_pages=tuple(scans))
    finally:
        pdf.close()
