"""Reading order of a PDF page from the positions of its text lines (PDFium's text rects).

PDFium returns a page's text in the order of its content stream, which for many
layout programs is line by line straight across all columns. Here the page's
line boxes are read as a layout: a *gutter* is a vertical strip, well inside
the text area, that (nearly) no line crosses and that has lines on both sides;
lines that do cross it (a full-width title, a centred page number) cut the page
into bands, and in each band the left side is read before the right side,
recursively (three columns are two cuts). Rows of three or more cells in
ragged, unequal widths are a table: each row reads "cell | cell | cell" in its
place. A page without a gutter keeps PDFium's own order (`None`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Narrowest gutter (points; 1/72 inch) and how far inside the text area it must lie.
MIN_GUTTER = 6.0
EDGE_SHARE = 0.12
#: A gutter may be crossed by at most this share of the lines beside it.
MAX_CROSSING = 0.08
#: Fewest lines on each side of a gutter.
MIN_SIDE_LINES = 2
#: Text columns fill their width: this median fill (width / column width) or more.
COLUMN_FILL = 0.7
#: Lines of one table row lie closer than this (points); rows are further apart.
TABLE_ROW_GAP = 4.0
#: Pieces of one row closer than this many line heights are one line.
WORD_GAP = 1.0
SOFT_HYPHENS = "\ufffe\u00ad\x02"
#: Starts each line that is a table row (a private-use character; the PDF reader
#: keeps a table's rows together by it and removes it).
TABLE_MARK = "\ue000"


@dataclass(frozen=True)
class Box:
    """A line of text on the page (PDF points, y upwards)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def mid_y(self) -> float:
        return (self.y0 + self.y1) / 2


def page_boxes(textpage) -> list[Box]:
    """The page's text rects with their text (PDFium groups characters into lines)."""
    boxes = []
    for i in range(textpage.count_rects()):
        x0, y0, x1, y1 = textpage.get_rect(i)
        text = textpage.get_text_bounded(x0, y0, x1, y1).replace("\r", " ").replace("\n", " ")
        if text.strip():
            boxes.append(Box(x0, y0, x1, y1, text.strip()))
    return boxes


def _rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into visual rows (overlapping vertically), top to bottom, left to right."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: -b.mid_y):
        row = rows[-1] if rows else None
        if row and row[0].y0 <= box.mid_y <= row[0].y1:
            row.append(box)
        else:
            rows.append([box])
    return [_merge_words(sorted(row, key=lambda b: b.x0)) for row in rows]


def _join(row: list[Box]) -> Box:
    if len(row) == 1:
        return row[0]
    text = " ".join(b.text for b in row)
    return Box(row[0].x0, min(b.y0 for b in row), row[-1].x1, max(b.y1 for b in row), text)


def _merge_words(row: list[Box]) -> list[Box]:
    """PDFium cuts a line where the font changes (a link, a word in code); pieces closer
    than a line's height are one line again."""
    merged = [row[0]]
    for box in row[1:]:
        last = merged[-1]
        if box.x0 - last.x1 < WORD_GAP * max(last.y1 - last.y0, box.y1 - box.y0):
            merged[-1] = Box(last.x0, min(last.y0, box.y0), box.x1, max(last.y1, box.y1),
                             f"{last.text} {box.text}")  # fmt: skip
        else:
            merged.append(box)
    return merged


def _is_table(rows: list[list[Box]]) -> bool:
    """Rows of 3+ cells whose widths leave most cells far short of their column."""
    if len(rows) < 2 or len(rows[0]) < 3:
        return False
    fills = []
    for column in zip(*(row[:3] for row in rows), strict=False):
        widest = max(b.x1 - b.x0 for b in column) or 1.0
        fills.extend((b.x1 - b.x0) / widest for b in column)
    fills.sort()
    return fills[len(fills) // 2] < COLUMN_FILL


def _aligned(row: list[Box], anchors: list[float]) -> bool:
    return all(any(abs(b.x0 - x) < 3 for x in anchors) for b in row)


def _logical_rows(rows: list[list[Box]], anchors: list[float]) -> list[list[Box]]:
    """Physical rows of a table grouped into its rows (a cell of two lines spans three
    physical rows: its first line, the other cells, its second line); one box per cell."""
    groups: list[list[Box]] = []
    bottom = None
    for row in rows:
        top = max(b.y1 for b in row)
        if bottom is None or bottom - top > TABLE_ROW_GAP or len(row) == len(anchors):
            groups.append([])
        groups[-1].extend(row)
        bottom = min(b.y0 for b in row)
    table = []
    for group in groups:
        cells = []
        for x in anchors:
            parts = sorted((b for b in group if abs(b.x0 - x) < 3), key=lambda b: -b.mid_y)
            if parts:
                joined = _join(parts)
                cells.append(Box(joined.x0, joined.y0, max(b.x1 for b in parts), joined.y1,
                                 joined.text))  # fmt: skip
        table.append(cells)
    return table


def _tables(boxes: list[Box]) -> tuple[list[Box], list[Box]]:
    """(boxes outside tables, one box per table row reading "a | b | c").

    A table is a run of rows whose pieces all start at the column starts of a row
    with three or more cells, in ragged widths (`_is_table`)."""
    rows = _rows(boxes)
    rest: list[Box] = []
    joined: list[Box] = []
    i = 0
    while i < len(rows):
        if len(rows[i]) < 3:
            rest.extend(rows[i])
            i += 1
            continue
        anchors = [b.x0 for b in rows[i]]
        j = i + 1
        while j < len(rows) and _aligned(rows[j], anchors):
            j += 1
        while len(rows[j - 1]) < len(anchors):  # the text after a table starts at its left
            j -= 1
        table = _logical_rows(rows[i:j], anchors)
        if len(table) >= 2 and _is_table(table):
            for row in table:
                cells = _join(row)
                joined.append(Box(cells.x0, cells.y0, cells.x1, cells.y1,
                                  TABLE_MARK + " | ".join(b.text for b in row)))  # fmt: skip
            i = j
        else:
            rest.extend(rows[i])
            i += 1
    return rest, joined


def _gutter(boxes: list[Box]) -> tuple[float, float] | None:
    """The leftmost strip inside the text area that few boxes cross and that has
    column-like lines on both sides (see `_columns_beside`)."""
    if len(boxes) < 2 * MIN_SIDE_LINES:
        return None
    left, right = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    width = right - left
    lo, hi = left + EDGE_SHARE * width, right - EDGE_SHARE * width
    allowed = max(1, int(MAX_CROSSING * len(boxes)))
    xs = np.arange(math.floor(lo), math.ceil(hi) + 1, dtype=float)
    crossing = np.zeros(len(xs), dtype=int)
    for box in boxes:
        crossing += (xs > box.x0) & (xs < box.x1)
    start = None
    for x, ok in zip([*xs, xs[-1] + 1 if len(xs) else hi], [*(crossing <= allowed), False]):
        if ok:
            start = x if start is None else start
        elif start is not None:
            strip = (float(start), float(x))
            if x - start >= MIN_GUTTER and _columns_beside(boxes, strip, left, right):
                return strip
            start = None
    return None


def _columns_beside(
    boxes: list[Box], strip: tuple[float, float], left: float, right: float
) -> bool:
    """The lines left of the strip mostly reach it, many on the right start at it."""
    a, b = strip
    mid = (a + b) / 2
    fills = sorted((bx.x1 - left) / max(a - left, 1.0) for bx in boxes if bx.x1 <= mid)
    starts = [bx.x0 - b < 0.1 * (right - b) for bx in boxes if bx.x0 >= mid]
    if min(len(fills), len(starts)) < MIN_SIDE_LINES:
        return False
    return fills[len(fills) // 2] >= COLUMN_FILL and sum(starts) >= 0.3 * len(starts)


def _order(boxes: list[Box], depth: int = 0) -> list[Box]:
    """Boxes in reading order (see the module's docstring)."""
    gutter = _gutter(boxes) if depth < 4 else None
    if gutter is None:  # one flow: each row is one line ("3.1.2" + "Hovedserver")
        return [_join(row) for row in _rows(boxes)]
    mid = sum(gutter) / 2
    crossing = sorted((bx for bx in boxes if bx.x0 < mid < bx.x1), key=lambda c: -c.mid_y)
    out: list[Box] = []
    for k in range(len(crossing) + 1):
        top = crossing[k - 1].mid_y if k else float("inf")
        bottom = crossing[k].mid_y if k < len(crossing) else float("-inf")
        band = [bx for bx in boxes if bx not in crossing and bottom < bx.mid_y <= top]
        out += _order([bx for bx in band if bx.x1 <= mid], depth + 1)
        out += _order([bx for bx in band if bx.x0 >= mid], depth + 1)
        if k < len(crossing):
            out.append(crossing[k])
    return out


def _margins(boxes: list[Box], height: float) -> tuple[list[Box], list[Box], list[Box]]:
    """(header rows, body, footer rows): up to two rows at the top and at the bottom set
    apart from the body by a gap wider than twice the usual line spacing, each a single
    line or within the outer 7 % of the page's height."""
    rows = _rows(boxes)
    gaps = sorted(a[0].y0 - b[0].y1 for a, b in zip(rows, rows[1:], strict=False))
    usual = max(gaps[len(gaps) // 2], 1.0) if gaps else 0.0

    def apart(upper: list[Box], lower: list[Box], row: list[Box], top: bool) -> bool:
        edge = row[0].y0 > 0.93 * height if top else row[0].y1 < 0.07 * height
        return upper[0].y0 - lower[0].y1 > 2 * usual + 4 and (len(row) == 1 or edge)

    head = foot = 0
    while head < 2 and head + 1 < len(rows) and apart(rows[head], rows[head + 1], rows[head], True):
        head += 1
    while (
        foot < 2
        and len(rows) - foot - 2 >= head
        and (apart(rows[-foot - 2], rows[-foot - 1], rows[-foot - 1], False))
    ):
        foot += 1
    body = rows[head : len(rows) - foot]
    flat = [b for row in body for b in row]
    return (
        [b for row in rows[:head] for b in row],
        flat,
        [b for row in rows[len(rows) - foot :] for b in row],
    )


def reading_order(boxes: list[Box], height: float) -> list[str] | None:
    """The page's lines in reading order, or None when it has one flow and no table."""
    boxes = [b for row in _rows(boxes) for b in row]  # pieces of a line joined
    header, body, footer = _margins(boxes, height)
    rest, table_rows = _tables(body)
    gutter = _gutter(rest)
    if gutter is None and not table_rows:
        return None
    lines: list[str] = []
    for box in header + _order(rest + table_rows) + footer:
        if lines and lines[-1].endswith(tuple(SOFT_HYPHENS)):
            lines[-1] += box.text  # PDFium's mark of a word hyphenated at the line end
        else:
            lines.append(box.text)
    return lines
