"""PDFs made from known text (the seed cases), for the reader tests and the OCR
measurement (tools/ocr_accuracy.py): two or three columns, a table, a web address
cut at a line end, scanned pages (the text rendered to an image). fpdf2 (a dev
dependency) writes them."""

from __future__ import annotations

import datetime as dt
import io
import re

from fpdf import FPDF

from base.settings import ROOT

#: Every PDF made here carries this date, so the same text gives the same bytes (and
#: the OCR cache, keyed by the file's hash, finds it again).
MADE = dt.datetime(2024, 1, 15, tzinfo=dt.UTC)

_LATIN1 = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "„": '"', "’": "'", "‘": "'",
                         "…": "...", "•": "-", "\u00a0": " "})  # fmt: skip


def latin1(text: str) -> str:
    """The text as Helvetica (a PDF core font) can write it."""
    text = text.translate(_LATIN1)
    return text.encode("latin-1", "replace").decode("latin-1")


def case_paragraphs(name: str) -> list[str]:
    """The paragraphs of a seed case (corpus/), in core-font characters."""
    text = (ROOT / "corpus" / name).read_text(encoding="utf-8")
    return [latin1(" ".join(p.split())) for p in re.split(r"\n\s*\n", text) if p.strip()]


def columns_pdf(
    paragraphs: list[str],
    *,
    ncols: int = 2,
    title: str = "Digital transformation i kommunerne",
    header: str = "KL · Rapport om digital ledelse",
    table: list[tuple[str, ...]] | None = None,
    url: str | None = None,
) -> bytes:
    """A report: running header, a full-width title, the paragraphs in `ncols` justified
    columns over as many pages as they need (a paragraph "\f" starts a new column),
    then an optional ruled table and a line ending in a long web address; page numbers
    in the footer."""
    pdf = FPDF()
    pdf.set_creation_date(MADE)
    pdf.set_title(title)
    pdf.set_margins(18, 22, 18)
    pdf.set_auto_page_break(True, margin=22)

    def furniture() -> None:
        pdf.set_auto_page_break(False)
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(18, 10)
        pdf.cell(0, 5, header)
        pdf.set_xy(18, 284)
        pdf.cell(0, 5, f"Side {pdf.page_no()}", align="C")
        pdf.set_xy(18, 22)
        pdf.set_auto_page_break(True, margin=22)
        pdf.set_font("Helvetica", size=10)

    pdf.header = furniture  # type: ignore[method-assign]
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=10)
    with pdf.text_columns(ncols=ncols, gutter=8, text_align="J", l_margin=18, r_margin=18) as cols:
        for paragraph in paragraphs:
            if paragraph == "\f":  # the next column (with one column: the next page)
                cols.new_column()
                continue
            cols.write(text=paragraph)
            cols.ln()
            cols.ln()
    if table:
        pdf.ln(4)
        with pdf.table(first_row_as_headings=True) as grid:
            for row in table:
                cells = grid.row()
                for text in row:
                    cells.cell(latin1(text))
    if url:
        pdf.ln(4)
        pdf.multi_cell(60, 5, f"Læs hele rapporten på {url}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scanned_pdf(pdf_data: bytes, dpi: int = 200, pages: list[int] | None = None) -> bytes:
    """`pdf_data` with the chosen pages (0-based; all by default) replaced by images of
    themselves, as a scanner makes them: no text layer left on those pages."""
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(pdf_data)
    out = FPDF(unit="pt")
    out.set_creation_date(MADE)
    out.set_auto_page_break(False)
    for number, page in enumerate(source):
        width, height = page.get_size()
        out.add_page(format=(width, height))
        if pages is None or number in pages:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            out.image(buffer, x=0, y=0, w=width, h=height)
        else:
            out.set_font("Helvetica", size=10)
            text = page.get_textpage().get_text_range()
            out.set_xy(40, 40)
            out.multi_cell(width - 80, 12, latin1(" ".join(text.split())))
    return bytes(out.output())


def interleaved_pdf(
    paragraphs: list[str],
    *,
    ncols: int = 2,
    title: str = "Digital transformation i kommunerne",
    header: str = "KL · Rapport om digital ledelse",
) -> bytes:
    """Columns written the way many layout programs write them: row by row straight
    across the columns (line 1 of column 1, line 1 of column 2, ...), so the content
    stream interleaves the columns; a full-width title on page 1, header and footer."""
    pdf = FPDF()
    pdf.set_creation_date(MADE)
    pdf.set_title(title)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    gutter, left, top, line_h = 8.0, 18.0, 32.0, 5.0
    width = (210 - 2 * left - (ncols - 1) * gutter) / ncols
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += pdf.multi_cell(width, line_h, paragraph, dry_run=True, output="LINES")
        lines.append("")
    per_column = int((285 - 22 - top) / line_h)
    per_page = per_column * ncols
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    for number, chunk in enumerate(pages, 1):
        if number > 1:
            pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(left, 10)
        pdf.cell(0, 5, header)
        if number == 1:
            pdf.set_font("Helvetica", "B", 16)
            pdf.set_xy(left, 18)
            pdf.cell(0, 8, latin1(title))
        pdf.set_font("Helvetica", size=10)
        columns = [chunk[c * per_column : (c + 1) * per_column] for c in range(ncols)]
        for row in range(per_column):
            for c, column in enumerate(columns):
                if row < len(column) and column[row]:
                    pdf.set_xy(left + c * (width + gutter), top + row * line_h)
                    pdf.cell(width, line_h, column[row])
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(left, 284)
        pdf.cell(0, 5, f"Side {number}", align="C")
    return bytes(pdf.output())


def sentences(paragraphs: list[str]) -> list[str]:
    """The sentences of the known text: split after . ! ? before a capital or a quote."""
    found = []
    for paragraph in paragraphs:
        found += re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ\"])", " ".join(paragraph.split()))
    return [s for s in found if len(s.split()) >= 3]


def intact_share(paragraphs: list[str], text: str) -> float:
    """Share of the known sentences that occur whole, in order of words, in `text`."""
    flat = " ".join(text.split())
    known = sentences(paragraphs)
    return sum(1 for s in known if s in flat) / max(len(known), 1)


def photographed_pdf(pdf_data: bytes, dpi: int = 200, seed: int = 7) -> bytes:
    """Each page as a poor photo or fax of it: turned 1°, blurred, with noise, saved as a
    JPEG of quality 50; no text layer."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    source = pdfium.PdfDocument(pdf_data)
    out = FPDF(unit="pt")
    out.set_creation_date(MADE)
    out.set_auto_page_break(False)
    for page in source:
        width, height = page.get_size()
        image = page.render(scale=dpi / 72).to_pil().convert("L")
        image = image.rotate(1.0, resample=Image.BICUBIC, fillcolor=255)
        image = image.filter(ImageFilter.GaussianBlur(1.0))
        pixels = np.asarray(image, dtype=float) + rng.normal(0, 14, (image.height, image.width))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype("uint8"))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=50)
        out.add_page(format=(width, height))
        out.image(buffer, x=0, y=0, w=width, h=height)
    return bytes(out.output())
