"""OpenDocument text (.odt, LibreOffice Writer) with odfpy: headings become sections.

The body is walked in order: `text:h` (with its outline level) is a heading,
`text:p` a paragraph, list items start with "• ", tables read "cell | cell"
row by row, and sections and frames are opened. Title and date come from
meta.xml (dc:title, meta:creation-date).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from base.errors import CorpusError
from ingest.readers.archive import check_zip
from ingest.readers.base import Block, FoundMeta, ReadDocument, assemble, tidy

FORMAT = "odt"
VERSION = 1

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#: Containers whose children are read in order.
_OPEN = {(_TEXT, "section"), (_TEXT, "list-item"), (_TEXT, "list-header"), (_TABLE, "table-cell")}


def _text(node) -> str:
    from odf import teletype

    return tidy(teletype.extractText(node))


def _table_rows(table) -> Iterator[str]:
    for row in table.getElementsByType(_row_type()):
        cells = [_text(cell) for cell in row.childNodes if cell.qname == (_TABLE, "table-cell")]
        cells = [c for c in cells if c]
        if cells:
            yield " | ".join(cells)


def _row_type():
    from odf.table import TableRow

    return TableRow


def _blocks(node, in_list: bool = False) -> Iterator[Block]:
    for child in node.childNodes:
        name = getattr(child, "qname", None)
        if name == (_TEXT, "h"):
            text = _text(child)
            level = child.getAttrNS(_TEXT, "outline-level") or "1"
            if text:
                yield Block(text, int(level) if level.isdigit() else 1)
        elif name == (_TEXT, "p"):
            text = _text(child)
            if text:
                yield Block(f"• {text}" if in_list else text)
        elif name == (_TEXT, "list"):
            yield from _blocks(child, in_list=True)
        elif name == (_TABLE, "table"):
            rows = list(_table_rows(child))
            if rows:
                yield Block("\n".join(rows))
        elif name in _OPEN:
            yield from _blocks(child, in_list)


def _meta(document) -> FoundMeta:
    from odf import dc, meta

    def first(kind) -> str:
        found = document.meta.getElementsByType(kind)
        return _text(found[0]) if found else ""

    created = first(meta.CreationDate) or first(dc.Date)
    return FoundMeta(first(dc.Title) or None, created[:10] if len(created) >= 10 else None)


def read(data: bytes) -> ReadDocument:
    """Read an .odt; refuse zip bombs, damaged archives and other OpenDocument kinds."""
    check_zip(data, "OpenDocument-filen", "content.xml", "et OpenDocument-tekstdokument (.odt)")
    from odf.opendocument import load

    try:
        document = load(io.BytesIO(data))
    except Exception as exc:  # odfpy raises several types for a broken package
        raise CorpusError(f"OpenDocument-filen er beskadiget og kan ikke læses ({exc})") from exc
    if "opendocument.text" not in (document.mimetype or ""):
        raise CorpusError("filen er et OpenDocument, men ikke et tekstdokument (.odt)")
    return assemble(_blocks(document.text), _meta(document))
