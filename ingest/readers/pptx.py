"""PowerPoint .pptx with python-pptx: one section per slide, its title the heading.

Each slide is a "page" (the card cites "dias 7"): its title becomes a level-1
heading, then the text of its other shapes in reading order (top to bottom,
left to right; groups opened), tables as "cell | cell" rows, and last the
speaker notes ("Noter: …"), where much of a presentation's meaning often is.
A slide without a title is headed "Dias N".
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from base.errors import CorpusError
from ingest.readers.archive import check_zip, core_meta
from ingest.readers.base import Block, ReadDocument, assemble, tidy

FORMAT = "pptx"
VERSION = 1


def _ordered(shapes) -> list:
    return sorted(shapes, key=lambda s: ((s.top or 0) // 100_000, s.left or 0))


def _shape_texts(shapes, title_id: int | None) -> Iterator[str]:
    for shape in _ordered(shapes):
        if shape.shape_id == title_id:
            continue
        if shape.shape_type == 6 and hasattr(shape, "shapes"):  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_texts(shape.shapes, None)
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = []
            for row in shape.table.rows:
                cells = [tidy(cell.text) for cell in row.cells]
                if any(cells):
                    rows.append(" | ".join(c for c in cells if c))
            if rows:
                yield "\n".join(rows)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            for paragraph in shape.text_frame.paragraphs:
                text = tidy("".join(run.text for run in paragraph.runs) or paragraph.text)
                if text:
                    yield f"• {text}" if paragraph.level > 0 else text


def _slide_blocks(slide, number: int) -> Iterator[Block]:
    title_shape = slide.shapes.title
    title = tidy(title_shape.text_frame.text) if title_shape is not None else ""
    yield Block(title or f"Dias {number}", 1, ((0, number),))
    title_id = title_shape.shape_id if title_shape is not None else None
    for text in _shape_texts(slide.shapes, title_id):
        yield Block(text, 0, ((0, number),))
    if slide.has_notes_slide:
        notes = tidy(slide.notes_slide.notes_text_frame.text or "")
        if notes:
            yield Block(f"Noter: {notes}", 0, ((0, number),))


def read(data: bytes) -> ReadDocument:
    """Read a .pptx; refuse zip bombs, damaged archives and zips that are no presentation."""
    check_zip(data, "PowerPoint-filen", "ppt/presentation.xml", "en PowerPoint-præsentation")
    import pptx

    try:
        deck = pptx.Presentation(io.BytesIO(data))
    except Exception as exc:  # python-pptx raises several types for a broken package
        raise CorpusError(f"PowerPoint-filen er beskadiget og kan ikke læses ({exc})") from exc
    meta = core_meta(deck.core_properties)
    blocks = [b for n, slide in enumerate(deck.slides, 1) for b in _slide_blocks(slide, n)]
    if not any(b.level == 0 for b in blocks):
        raise CorpusError("præsentationen indeholder ingen tekst ud over diasenes titler")
    return assemble(blocks, meta, page_count=len(deck.slides))
