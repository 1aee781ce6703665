"""Presentations (.pptx) and OpenDocument text (.odt): sections, slides as pages, sniffing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docmaker import docx_bytes, write, zip_bomb
from formatmaker import SLIDES, convert, odt_bytes, pptx_bytes, soffice

from base.errors import CorpusError
from casechat.html_text import pages_label
from casechat.library.names import safe_name, sniff
from ingest.document import Chunk
from ingest.pipeline import scan_corpus, to_document
from ingest.readers import odt, pptx, reader_id
from ingest.readers.sniff import content_format, detect


@pytest.fixture(scope="module")
def deck() -> pptx.ReadDocument:
    return pptx.read(pptx_bytes())


def test_one_section_per_slide_headed_by_its_title(deck) -> None:
    assert [s.heading for s in deck.sections] == [title for title, _, _ in SLIDES]
    assert deck.page_count == len(SLIDES) == len(deck.pages)


def test_slide_text_notes_and_table_are_on_their_slide(deck) -> None:
    second = deck.text[slice(*deck.pages[1])]
    assert "Skærmbesøg afprøvet i hjemmeplejen" in second
    assert "Noter: Her fortæller vi, hvorfor borgerne selv bad om skærmbesøg." in second
    third = deck.text[slice(*deck.pages[2])]
    assert "Løsning | Borgere | Timer\nSkærmbesøg | 120 | 340" in third
    assert "Velkommen til alle" not in second + third
    assert deck.meta_found.title == "Temadag om velfærdsteknologi"
    assert deck.meta_found.date == "2024-03-05"


def test_a_slide_is_cited_as_dias() -> None:
    chunk = Chunk(0, "temadag.pptx", "T", "", 0, 1, "x", page_start=7)
    assert pages_label(chunk) == "dias 7"
    pdf = Chunk(0, "r.pdf", "T", "", 0, 1, "x", page_start=2, page_end=3)
    assert pages_label(pdf) == "s. 2–3"


def test_odt_headings_become_sections_with_lists_and_tables() -> None:
    read = odt.read(odt_bytes())
    assert [s.heading for s in read.sections] == ["Baggrund", "Baggrund › Ledelse", "Resultater"]
    assert "• Fælles datavarehus\n\n• Nye arbejdsgange" in read.text
    assert "Område | Timer sparet\nJobcenter | 1200" in read.text
    assert read.meta_found.title == "Digital omstilling i Horsens"
    assert read.meta_found.date == "2023-11-02"
    assert read.pages == ()


def test_sniffing_knows_them_by_content_whatever_the_name() -> None:
    deck_bytes, odt_data = pptx_bytes(), odt_bytes()
    assert content_format(deck_bytes) == "pptx" and content_format(odt_data) == "odt"
    assert content_format(docx_bytes(lambda d: d.add_paragraph("x"))) == "docx"
    assert detect(deck_bytes, ".docx") == "pptx" and detect(odt_data, ".txt") == "odt"
    assert sniff(deck_bytes, "temadag.PPTX") == "pptx"
    assert safe_name("Temadag 2024.pptx", "pptx") == "Temadag-2024.pptx"
    with pytest.raises(CorpusError, match="ikke en PowerPoint-præsentation"):
        detect(b"bare tekst", ".pptx")


def test_bombs_and_wrong_zips_are_refused() -> None:
    with pytest.raises(CorpusError, match="zip-bombe"):
        pptx.read(zip_bomb(20 * 1024 * 1024))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(CorpusError, match="ikke en PowerPoint"):
        pptx.read(out.getvalue())
    with pytest.raises(CorpusError):
        odt.read(out.getvalue())


def test_both_through_the_sandboxed_pipeline(tmp_path: Path) -> None:
    write(tmp_path / "temadag.pptx", pptx_bytes())
    write(tmp_path / "horsens.odt", odt_bytes())
    write(tmp_path / "temadag.pptx.meta.json", '{"kind": "Præsentation"}')
    write(tmp_path / "halv.pptx", pptx_bytes()[:3000])
    sources, problems = scan_corpus(tmp_path)
    docs, reasons = {}, {}
    for src in sources:
        try:
            docs[src.source] = to_document(src)
        except CorpusError as exc:
            reasons[src.source] = str(exc)
    assert problems == [] and "beskadiget" in reasons["halv.pptx"]
    deck, text = docs["temadag.pptx"], docs["horsens.odt"]
    assert (deck.format, deck.meta.kind, deck.page_count) == ("pptx", "Præsentation", 3)
    assert deck.meta.municipalities == ("Vejle",)
    assert text.format == "odt" and text.meta.municipalities == ("Horsens",)
    assert reader_id("pptx") == "pptx@1" and reader_id("odt") == "odt@1"


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) er ikke installeret")
def test_files_saved_by_libreoffice(tmp_path: Path) -> None:
    made = convert(write(tmp_path / "horsens.odt", odt_bytes()), "docx")
    again = convert(made, "odt")
    read = odt.read(again.read_bytes())
    assert "Baggrund › Ledelse" in [s.heading for s in read.sections]
    deck = convert(write(tmp_path / "temadag.pptx", pptx_bytes()), "odp")
    back = convert(deck, "pptx")
    assert [s.heading for s in pptx.read(back.read_bytes()).sections][:2] == [
        "Velfærdsteknologi i Vejle",
        "Baggrund",
    ]


def test_the_upload_form_takes_both(tmp_path: Path) -> None:
    from base.settings import Settings
    from casechat.library import Library

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    library = Library(Settings(corpus_dir=corpus, index_dir=tmp_path / "index")).open()
    deck = write(tmp_path / "up" / "Temadag marts.pptx", pptx_bytes())
    text = write(tmp_path / "up" / "omstilling.odt", odt_bytes())
    taken, refused = library.check([(deck, deck.name), (text, text.name)])
    assert refused == []
    assert [(c.name, c.format, c.pages) for c in taken] == [
        ("Temadag-marts.pptx", "pptx", 3),
        ("omstilling.odt", "odt", None),
    ]
    assert taken[1].found.title == "Digital omstilling i Horsens"
