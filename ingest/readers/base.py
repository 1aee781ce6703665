"""The reader interface: every file format turns its bytes into one `ReadDocument`.

A reader is a module with a `FORMAT` name, a `VERSION` (bump it when what the
reader produces changes: the next build re-reads only documents of that format)
and a function `read(data: bytes) -> ReadDocument`. Structured readers (PDF,
DOCX, HTML) build their text from `Block`s with `assemble`, which also finds
the sections and the character span of each page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from base.errors import CorpusError

#: Extracted text longer than this is refused: the same bound as for a .txt file
#: (ingest/load.py MAX_FILE_BYTES), about 33,000 passages, hours of embedding.
MAX_TEXT_CHARS = 20 * 1024 * 1024

_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(
    [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF]
    + [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD],
    None,
)


@dataclass(frozen=True)
class FoundMeta:
    """Metadata a file carries itself (PDF /Title, docx core properties, HTML <title>)."""

    title: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd


@dataclass(frozen=True)
class Block:
    """A paragraph, list item, table or heading, in reading order.

    `page_starts` are (offset in `text`, 1-based page) where a page begins inside
    this block; the first entry is the page the block starts on. Formats without
    pages leave it empty.
    """

    text: str
    level: int = 0  # 0: body text; 1, 2, 3...: heading level
    page_starts: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class ReadSection:
    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class ReadDocument:
    """A file as its reader saw it.

    `sections is None` means "plain text, not yet structured": the cleaner
    (ingest/clean.py) finds paragraphs and headings, as for .txt and .md.
    `pages[i]` is the (start, end) span of page i + 1 in `text`; () without pages.
    """

    text: str
    sections: tuple[ReadSection, ...] | None = None
    pages: tuple[tuple[int, int], ...] = ()
    meta_found: FoundMeta = field(default_factory=FoundMeta)
    page_count: int | None = None
    #: The first heading, a title candidate when the file's metadata has none.
    first_heading: str | None = None
    #: Scanned pages (1-based) whose text is still missing: OCR reads them (PDF only).
    ocr_pages: tuple[int, ...] = ()


class Reader(Protocol):
    """What ingest/readers/__init__.py expects of a reader module."""

    FORMAT: str
    VERSION: int

    def read(self, data: bytes) -> ReadDocument: ...


def tidy(text: str) -> str:
    """One line's worth of text: NFC, single spaces, no zero-width or control characters."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def _title_heading(blocks: Sequence[Block]) -> int | None:
    """Index of a lone top-level heading that opens the text: the title, not a section."""
    headings = [(i, b.level) for i, b in enumerate(blocks) if b.level]
    if not headings:
        return None
    top = min(level for _, level in headings)
    tops = [i for i, level in headings if level == top]
    if len(tops) == 1 and tops[0] == headings[0][0] and len(headings) > 1:
        return tops[0]
    return None


def assemble(
    blocks: Iterable[Block],
    meta: FoundMeta | None = None,
    page_count: int | None = None,
) -> ReadDocument:
    """Join blocks with blank lines; sections are "chapter › heading", like ingest/clean.py."""
    blocks = [b for b in blocks if b.text.strip()]
    title_at = _title_heading(blocks)
    levels = [b.level for i, b in enumerate(blocks) if b.level and i != title_at]
    chapter_level = min(levels) if levels else 0
    parts: list[str] = []
    sections: list[ReadSection] = []
    page_at: list[tuple[int, int]] = []  # (offset, page) where each page begins
    offset, current, current_start, chapter = 0, "", 0, ""
    bare = False  # the open section holds only its heading so far
    first_heading = next((b.text for b in blocks if b.level), None)
    for i, block in enumerate(blocks):
        if block.level and i != title_at:
            # A heading right under a heading ("17 Hjælp", "17.1 Xrdp") opens one section
            # with both, so that no passage is a lone heading.
            if offset > current_start and not bare:
                sections.append(ReadSection(current, current_start, offset - 2))
                current_start = offset
            elif not bare:
                current_start = offset
            if block.level == chapter_level:
                chapter = current = block.text
            else:
                current = f"{chapter} › {block.text}" if chapter else block.text
            bare = True
        else:
            bare = False
        for local, page in block.page_starts:
            if not page_at or page > page_at[-1][1]:
                page_at.append((offset + local, page))
        parts.append(block.text)
        offset += len(block.text) + 2
        if offset > MAX_TEXT_CHARS:
            raise CorpusError(
                f"filen indeholder over {MAX_TEXT_CHARS // 10**6} mio. tegn tekst; "
                "del den op i mindre filer"
            )
    text = "\n\n".join(parts)
    if text:
        sections.append(ReadSection(current, current_start, len(text)))
    return ReadDocument(
        text=text,
        sections=tuple(s for s in sections if s.end > s.start),
        pages=page_spans(page_at, page_count, len(text)) if page_count else (),
        meta_found=meta or FoundMeta(),
        page_count=page_count,
        first_heading=first_heading,
    )


def page_spans(
    page_at: Sequence[tuple[int, int]], page_count: int, length: int
) -> tuple[tuple[int, int], ...]:
    """(start, end) per page 1..page_count; a page with no text gets an empty span."""
    starts = {page: off for off, page in page_at}
    spans: list[tuple[int, int]] = []
    following = length  # where the next page with text begins
    for page in range(page_count, 0, -1):
        if page in starts:
            spans.append((starts[page], max(starts[page], following)))
            following = starts[page]
        else:
            spans.append((following, following))
    return tuple(reversed(spans))
