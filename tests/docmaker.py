"""Small real PDF, Word and HTML files for the reader tests, written on the spot.

PDFs come from fpdf2 (a dev dependency), Word files from python-docx itself,
zip bombs from zipfile. Each maker writes a file and returns its path.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fpdf import FPDF

BODY = (
    "Kommunen har arbejdet med digital ledelse i tre år, og lederne mødes hver måned "
    "for at dele erfaringer med nye værktøjer, data og velfærdsteknologi i hverdagen. "
)


def pdf_bytes(
    pages: list[list[tuple[str, str]]],
    *,
    title: str | None = "Digital ledelse i Odense Kommune",
    header: str | None = "Odense Kommune · Årsrapport om digitalisering",
    outline: bool = True,
    password: str | None = None,
) -> bytes:
    """A PDF; each page is a list of (kind, text): kind "h1"/"h2" (heading, bookmarked
    when `outline`), "p" (a wrapped paragraph) or "raw" (one line exactly as given)."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    if password:
        pdf.set_encryption(owner_password="ejer", user_password=password)
    for number, items in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        if header:
            pdf.set_xy(10, 8)
            pdf.cell(0, 5, header)
        pdf.set_xy(10, 20)
        for kind, text in items:
            if kind in {"h1", "h2"}:
                if outline:
                    pdf.start_section(text, level=0 if kind == "h1" else 1)
                pdf.set_font("Helvetica", "B", 14 if kind == "h1" else 12)
                pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
            elif kind == "raw":
                pdf.set_font("Helvetica", size=11)
                pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(10, 285)
        pdf.cell(0, 5, f"Side {number} af {len(pages)}", align="C")
    return bytes(pdf.output())


def blank_pdf(pages: int = 2) -> bytes:
    """A PDF with drawings and no text layer, like a scan."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def docx_bytes(build) -> bytes:
    """A .docx made by python-docx; `build(document)` adds the content."""
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb(member_bytes: int = 300 * 1024 * 1024) -> bytes:
    """A .docx-looking zip whose document.xml unpacks to `member_bytes` of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(member_bytes // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path
