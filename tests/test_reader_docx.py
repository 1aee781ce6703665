"""Word .docx reading: headings as sections, lists and tables as text, zip bombs refused."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from docmaker import BODY, docx_bytes, write, zip_bomb

from base.errors import CorpusError
from ingest.pipeline import scan_corpus, to_document
from ingest.readers import docx


def _report(document) -> None:
    document.core_properties.title = "Velfærdsteknologi i Aarhus"
    document.core_properties.created = dt.datetime(2024, 3, 14, 9, 30)
    document.add_heading("Velfærdsteknologi i Aarhus", level=0)
    document.add_paragraph("Aarhus Kommune har afprøvet nye løsninger. " + BODY)
    document.add_heading("Baggrund", level=1)
    document.add_paragraph(BODY * 2)
    document.add_paragraph("Skærmbesøg i hjemmeplejen", style="List Bullet")
    document.add_paragraph("Digitale medicinhuskere", style="List Bullet")
    document.add_heading("Resultater i Aarhus", level=2)
    table = document.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("Løsning", "Borgere", "Timer sparet"),
                                       ("Skærmbesøg", "120", "340")]):  # fmt: skip
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_heading("Næste skridt", level=1)
    document.add_paragraph("Aarhus udbreder løsningerne. " + BODY)


@pytest.fixture(scope="module")
def read() -> docx.ReadDocument:
    return docx.read(docx_bytes(_report))


def test_heading_styles_become_sections(read) -> None:
    assert [s.heading for s in read.sections] == [
        "",
        "Baggrund",
        "Baggrund › Resultater i Aarhus",
        "Næste skridt",
    ]


def test_lists_and_tables_stay_readable(read) -> None:
    assert "• Skærmbesøg i hjemmeplejen\n\n• Digitale medicinhuskere" in read.text
    assert "Løsning | Borgere | Timer sparet\nSkærmbesøg | 120 | 340" in read.text


def test_title_and_date_from_core_properties(read) -> None:
    assert read.meta_found.title == "Velfærdsteknologi i Aarhus"
    assert read.meta_found.date == "2024-03-14"
    assert read.page_count is None and read.pages == ()


def test_docx_through_the_pipeline_finds_its_municipality(tmp_path: Path) -> None:
    write(tmp_path / "aarhus.docx", docx_bytes(_report))
    (src,), problems = scan_corpus(tmp_path)
    doc = to_document(src)
    assert problems == [] and doc.format == "docx"
    assert doc.meta.title == "Velfærdsteknologi i Aarhus"
    assert doc.meta.municipalities == ("Aarhus",)


def test_sidecar_overrides_only_the_fields_it_names(tmp_path: Path) -> None:
    write(tmp_path / "aarhus.docx", docx_bytes(_report))
    write(tmp_path / "aarhus.docx.meta.json", '{"municipalities": ["Odder"], "kind": "Notat"}')
    (src,), problems = scan_corpus(tmp_path)
    doc = to_document(src)
    assert problems == []
    assert doc.meta.title == "Velfærdsteknologi i Aarhus"  # found in the file
    assert (doc.meta.municipalities, doc.meta.kind) == (("Odder",), "Notat")
    assert doc.meta.date == "2024-03-14"


def test_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    with pytest.raises(CorpusError, match="zip-bombe"):
        docx.read(zip_bomb(20 * 1024 * 1024))


def test_zip_that_is_no_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
    with pytest.raises(CorpusError, match="ikke et Word-dokument"):
        docx.read(out.getvalue())


def test_damaged_docx_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    data = docx_bytes(_report)
    write(tmp_path / "halv.docx", data[: len(data) // 2] + data[-200:])
    write(tmp_path / "bombe.docx", zip_bomb(20 * 1024 * 1024))
    sources, problems = scan_corpus(tmp_path)
    reasons = {}
    for src in sources:
        try:
            to_document(src)
        except CorpusError as exc:
            reasons[src.source] = str(exc)
    assert "zip-bombe" in reasons["bombe.docx"]
    assert "Word-filen er beskadiget" in reasons["halv.docx"]
