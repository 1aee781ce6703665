"""Turn a raw corpus text into clean paragraphs and sections.

What is removed is what these texts carry besides the case itself: web-page
leftovers ("Gå til hovedindhold", "Log ind", "×", navigation before the title),
a repeated title, a table of contents (recognised by its form), page numbers, and markdown
markers. Words split over a page break are joined again. The result is plain
paragraphs separated by blank lines, with headings as their own paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.document import Section

#: Whole paragraphs that are web-page furniture, never content (compared lowercased).
RESIDUE = {
    "gå til hovedindhold",
    "spring til indhold",
    "log ind",
    "log ud",
    "×",
    "indhold",
    "indholdsfortegnelse",
    "menu",
    "søg",
    "luk",
    "del",
    "del artikel",
    "print",
    "tilbage",
    "til toppen",
}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_NUMBERED = re.compile(r"^\d+\.\s")
_LIST_ITEM = re.compile(r"^(?:[-•*–]\s|\d+\.\s)")
_DATE_LINE = re.compile(r"^(?:\d{1,2}\.?\s*\w+\.?\s+\d{4}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")
_PAGE_NUMBER = re.compile(r"^(?:side\s*)?\d{1,3}$", re.IGNORECASE)
_SENTENCE_END = tuple('.!?:;"”’)»')
#: A table-of-contents line: a section number or a dot leader, a title, a page number.
_CONTENTS_LINE = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+\S.*?|\S.*?\.{3,})\s*(\d{1,3})$")


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False
    markdown_heading: bool = False


@dataclass(frozen=True)
class Cleaned:
    text: str
    sections: tuple[Section, ...]


def normalize(raw: str) -> str:
    """Unicode NFC, Unix newlines, no zero-width or control characters."""
    text = unicodedata.normalize("NFC", raw).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").replace("\xa0", " ")
    return _CONTROL.sub("", text)


def strip_markup(line: str) -> str:
    line = _TAG.sub("", line)
    line = _BOLD.sub(r"\1", line)
    line = _ITALIC.sub(r"\1", line)
    return re.sub(r"[ ]{2,}", " ", line).strip()


def _sentence_case(heading: str) -> str:
    if heading.upper() != heading or not any(c.isalpha() for c in heading):
        return heading
    lowered = heading.lower()
    for i, char in enumerate(lowered):
        if char.isalpha():
            return lowered[:i] + char.upper() + lowered[i + 1 :]
    return lowered


def _raw_blocks(text: str) -> list[Block]:
    blocks = []
    for para in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in para.split("\n")]
        lines = [ln for ln in lines if ln and ln.lower() not in RESIDUE]
        if _is_contents([strip_markup(ln) for ln in lines]):
            continue
        if not lines:
            continue
        heading = _MD_HEADING.match(lines[0]) if len(lines) == 1 else None
        if heading:
            title = strip_markup(heading.group(2)).rstrip(":").strip()
            if title:
                blocks.append(Block(_sentence_case(title), heading=True, markdown_heading=True))
            continue
        cleaned = [strip_markup(ln) for ln in lines]
        blocks.append(Block("\n".join(ln for ln in cleaned if ln)))
    return [b for b in blocks if b.text]


def _is_contents(lines: list[str]) -> bool:
    """A table of contents: two or more lines, each a numbered (or dot-led) title ending
    in a page number, the page numbers never going down ("1. Indledning 1", "2. … 4")."""
    if len(lines) < 2:
        return False
    matches = [_CONTENTS_LINE.match(ln) for ln in lines]
    if not all(matches):
        return False
    pages = [int(m.group(1)) for m in matches if m]
    return all(a <= b for a, b in zip(pages, pages[1:], strict=False))


def _is_residue(block: Block) -> bool:
    text = block.text.strip().lower()
    return text in RESIDUE or bool(_PAGE_NUMBER.match(text))


def is_furniture(line: str) -> bool:
    """Web residue, a page number or a date line: text that is never a title."""
    text = line.strip().lower()
    return text in RESIDUE or bool(_PAGE_NUMBER.match(text) or _DATE_LINE.match(text))


def _is_navigation(text: str) -> bool:
    """Breadcrumbs and category tags: only short lines, and not a date."""
    lines = text.split("\n")
    return all(len(ln.split()) <= 5 and not _DATE_LINE.match(ln) for ln in lines)


def _drop_navigation(blocks: list[Block], title: str | None) -> list[Block]:
    """Drop short web navigation lines above the title, and repeats of the title."""
    key = title.strip().lower() if title else None
    first = next((i for i, b in enumerate(blocks[:12]) if key and b.text.lower() == key), None)
    if first is not None:
        head = [b for b in blocks[:first] if not _is_navigation(b.text)]
        blocks = head + blocks[first:]
    kept: list[Block] = []
    seen_title = False
    for block in blocks:
        lowered = block.text.lower()
        if kept and lowered == kept[-1].text.lower():
            continue  # a title or heading printed twice in a row
        if key and lowered == key:
            if seen_title:
                continue
            seen_title = True
        kept.append(block)
    return kept


def _ends_fragment(text: str) -> bool:
    return not text.rstrip().endswith(_SENTENCE_END)


def _starts_lowercase(text: str) -> bool:
    return text[:1].islower()


def _join_page_breaks(blocks: list[Block]) -> list[Block]:
    """Join a paragraph cut by a page break with its continuation.

    The continuation is the next body paragraph that starts in lowercase; a
    heading or box printed between the two halves (as PDFs do) stays after.
    """
    blocks = list(blocks)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.heading or _LIST_ITEM.match(block.text) or not _ends_fragment(block.text):
            i += 1
            continue
        for j in range(i + 1, min(i + 10, len(blocks))):
            other = blocks[j]
            if other.heading or _LIST_ITEM.match(other.text):
                continue
            hyphenated = bool(re.search(r"\w-$", block.text))
            if _starts_lowercase(other.text):
                joined = (
                    block.text[:-1] + other.text if hyphenated else block.text + " " + other.text
                )
                blocks[i] = Block(joined)
                del blocks[j]
                break
            if not hyphenated:
                break  # only a word cut by a hyphen reaches past a whole paragraph
        else:
            i += 1
            continue
        if blocks[i] is block:
            i += 1
    return blocks


def _looks_like_heading(block: Block, following: Block | None) -> bool:
    text = block.text
    if block.heading:
        return True
    if "\n" in text or len(text) > 90 or len(text.split()) > 12:
        return False
    if text.endswith((".", ",", ";", ":")) or text[:1] in "\"”“'«-–•*(":
        return False
    if _DATE_LINE.match(text) or _LIST_ITEM.match(text):
        return False
    if following is None:
        return False
    return (
        len(following.text) >= 150
        or following.text.endswith(":")
        or bool(_LIST_ITEM.match(following.text))
    )


def clean(raw: str, title: str | None = None) -> Cleaned:
    """Clean a raw text; `title` (from metadata) helps find navigation and repeats."""
    blocks = _raw_blocks(normalize(raw))
    blocks = [b for b in blocks if not _is_residue(b)]
    blocks = _drop_navigation(blocks, title)
    blocks = _join_page_breaks(blocks)
    title_key = (title or blocks[0].text if blocks else "").strip().lower()
    marked = []
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        is_title = block.text.lower() == title_key
        heading = not is_title and i > 0 and _looks_like_heading(block, following)
        marked.append(Block(block.text, heading=heading))

    parts: list[str] = []
    sections: list[Section] = []
    offset = 0
    chapter = ""
    current, current_start = "", 0
    for block in marked:
        if block.heading:
            if offset > current_start:
                sections.append(Section(current, current_start, offset - 2))
            if _NUMBERED.match(block.text):
                chapter, current = block.text, block.text
            else:
                current = f"{chapter} › {block.text}" if chapter else block.text
            current_start = offset
        parts.append(block.text)
        offset += len(block.text) + 2
    text = "\n\n".join(parts)
    if text:
        sections.append(Section(current, current_start, len(text)))
    return Cleaned(text=text, sections=tuple(s for s in sections if s.end > s.start))
