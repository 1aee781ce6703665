"""Word .docx with python-docx: heading styles become sections, lists and tables stay readable.

A .docx is a zip archive; its directory is checked for zip bombs before
python-docx opens it (ingest/readers/archive.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from base.errors import CorpusError
from ingest.readers.archive import check_zip, core_meta
from ingest.readers.base import Block, ReadDocument, assemble, tidy

FORMAT = "docx"
VERSION = 1

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|overskrift)\s*(\d)$", re.I)


def check_archive(data: bytes) -> None:
    """Refuse a zip whose directory promises a zip bomb, or that is no Word document."""
    check_zip(data, "Word-filen", "word/document.xml", "et Word-dokument (.docx)")


def _level(paragraph) -> int:
    style = paragraph.style
    for name in (getattr(style, "name", "") or "", getattr(style, "style_id", "") or ""):
        match = _HEADING_STYLE.match(name.replace("Heading", "heading "))
        if match:
            return int(match[1])
    ppr = paragraph._p.pPr
    outline = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
    value = outline.get(f"{_W}val", "9") if outline is not None else "9"
    return int(value) + 1 if value.isdigit() and int(value) < 9 else 0


def _is_list_item(paragraph) -> bool:
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.find(f"{_W}numPr") is not None:
        return True
    return "list" in (getattr(paragraph.style, "name", "") or "").lower()


def _table_lines(table) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = tidy(" ".join(p.text for p in cell.paragraphs))
            if text and (not cells or cells[-1] != text):  # merged cells repeat
                cells.append(text)
        if cells:
            yield " | ".join(cells)


def _blocks(document) -> Iterator[Block]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text = tidy(paragraph.text)
            if not text:
                continue
            style = (getattr(paragraph.style, "name", "") or "").lower()
            if style == "title":
                yield Block(text)  # the document title: body text, a title candidate
                continue
            level = _level(paragraph)
            if level and len(text) <= 200:
                yield Block(text, level)
            else:
                yield Block(f"• {text}" if _is_list_item(paragraph) else text)
        elif child.tag == f"{_W}tbl":
            lines = list(_table_lines(Table(child, document)))
            if lines:
                yield Block("\n".join(lines))


def read(data: bytes) -> ReadDocument:
    """Read a .docx; refuse zip bombs, damaged archives and non-Word zips."""
    check_archive(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a broken package
        raise CorpusError(f"Word-filen er beskadiget og kan ikke læses ({exc})") from exc
    meta = core_meta(document.core_properties)
    return assemble(_blocks(document), meta)
