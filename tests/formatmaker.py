"""Presentations and OpenDocument files for the reader tests, made by the libraries
people's own tools share the format with (python-pptx, odfpy), and by LibreOffice
when it is installed (`soffice`)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

SLIDES = [
    ("Velfærdsteknologi i Vejle", ["Temadag for ledere, marts 2024"], "Velkommen til alle."),
    (
        "Baggrund",
        ["Vejle Kommune har 12 plejecentre", "Skærmbesøg afprøvet i hjemmeplejen"],
        "Her fortæller vi, hvorfor borgerne selv bad om skærmbesøg.",
    ),
    ("Resultater", ["Borgere med skærmbesøg: 120", "Sparede køretimer: 340"], ""),
]


def pptx_bytes(slides=SLIDES, *, table: bool = True) -> bytes:
    """A deck: a title slide, then title-and-content slides with notes; a table on the last."""
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    deck.core_properties.title = "Temadag om velfærdsteknologi"
    deck.core_properties.created = dt.datetime(2024, 3, 5, 10, 0)
    for number, (title, bullets, notes) in enumerate(slides):
        layout = deck.slide_layouts[0 if number == 0 else 1]
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    if table:
        shape = deck.slides[-1].shapes.add_table(2, 3, Inches(1), Inches(5), Inches(6), Inches(1))
        for r, row in enumerate([("Løsning", "Borgere", "Timer"), ("Skærmbesøg", "120", "340")]):
            for c, text in enumerate(row):
                shape.table.cell(r, c).text = text
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    """A Writer document: title in meta.xml, h1/h2 headings, a list, a table."""
    from odf import dc, meta, table, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text="Digital omstilling i Horsens"))
    doc.meta.addElement(meta.CreationDate(text="2023-11-02T09:00:00"))
    body = doc.text
    body.addElement(text.H(outlinelevel=1, text="Baggrund"))
    body.addElement(text.P(text="Horsens Kommune samlede sine systemer i én platform. "))
    body.addElement(text.H(outlinelevel=2, text="Ledelse"))
    body.addElement(text.P(text="Lederne mødtes hver måned om data og digitale værktøjer."))
    items = text.List()
    for line in ("Fælles datavarehus", "Nye arbejdsgange"):
        item = text.ListItem()
        item.addElement(text.P(text=line))
        items.addElement(item)
    body.addElement(items)
    body.addElement(text.H(outlinelevel=1, text="Resultater"))
    grid = table.Table(name="Tal")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for row_cells in (("Område", "Timer sparet"), ("Jobcenter", "1200")):
        row = table.TableRow()
        for cell_text in row_cells:
            cell = table.TableCell()
            cell.addElement(text.P(text=cell_text))
            row.addElement(cell)
        grid.addElement(row)
    body.addElement(grid)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: Path, to: str) -> Path:
    """LibreOffice's own conversion of `path` (e.g. to "pdf", "odt", "pptx")."""
    out = path.parent / "lo"
    subprocess.run(
        [soffice() or "soffice", "--headless", "--convert-to", to, "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return out / (path.stem + "." + to)
