"""PDF reading: text per page without page furniture, words rejoined, pages on passages."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmaker import BODY, blank_pdf, pdf_bytes, write

from answer.build import build_index
from base.errors import CorpusError
from base.settings import Chunking, Settings
from index.encoder import HashingEmbedder
from index.store import load_snapshot
from ingest.chunk import chunk_document
from ingest.pipeline import scan_corpus, to_document
from ingest.readers import pdf

PAGES = [
    [
        ("h1", "1 Indledning"),
        ("p", BODY * 3),
        ("raw", "Alle brugere skal have adgangs-"),
        ("raw", "koder, der skifter, og LTSP-"),
        ("raw", "serveren starter først om morgenen i Odense Kommune."),
    ],
    [("h2", "1.1 Erfaringer fra Odense"), ("p", "Odense Kommune har lært meget. " + BODY * 4)],
    [("h1", "2 Næste skridt"), ("p", "Lederne i Odense vil fortsætte. " + BODY * 4)],
]


@pytest.fixture(scope="module")
def report() -> pdf.ReadDocument:
    return pdf.read(pdf_bytes(PAGES))


def test_running_headers_and_page_numbers_are_removed(report) -> None:
    assert "Årsrapport om digitalisering" not in report.text
    assert "Side 1 af 3" not in report.text and "Side 3" not in report.text


def test_words_hyphenated_at_line_ends_are_joined_and_real_hyphens_kept(report) -> None:
    assert "adgangskoder, der skifter" in report.text
    assert "LTSP-serveren starter" in report.text
    assert "\ufffe" not in report.text and "\u00ad" not in report.text


def test_sections_come_from_the_bookmarks(report) -> None:
    headings = [s.heading for s in report.sections]
    assert headings == [
        "1 Indledning",
        "1 Indledning › 1.1 Erfaringer fra Odense",
        "2 Næste skridt",
    ]


def test_paragraphs_are_kept(report) -> None:
    first = report.text.split("\n\n")
    assert first[0] == "1 Indledning"
    assert first[1].startswith("Kommunen har arbejdet") and first[1].endswith("i hverdagen.")


def test_page_spans_cover_the_text_in_order(report) -> None:
    assert report.page_count == 3 and len(report.pages) == 3
    assert report.pages[0][0] == 0 and report.pages[-1][1] == len(report.text)
    assert "Erfaringer fra Odense" in report.text[slice(*report.pages[1])]
    assert "Næste skridt" in report.text[slice(*report.pages[2])]


def test_title_and_date_come_from_the_metadata(report) -> None:
    assert report.meta_found.title == "Digital ledelse i Odense Kommune"
    assert report.meta_found.date and len(report.meta_found.date) == 10


def test_numbered_headings_become_sections_without_bookmarks() -> None:
    read = pdf.read(pdf_bytes(PAGES, outline=False))
    assert [s.heading for s in read.sections][-1] == "2 Næste skridt"


def test_encrypted_pdf_is_refused_with_a_reason() -> None:
    with pytest.raises(CorpusError, match="krypteret med en adgangskode"):
        pdf.read(pdf_bytes(PAGES, password="hemmelig"))


def test_corrupt_pdf_is_refused_with_a_reason() -> None:
    data = pdf_bytes(PAGES)
    with pytest.raises(CorpusError, match="beskadiget"):
        pdf.read(data[: len(data) // 3])


def test_pdf_without_text_layer_is_called_a_scan() -> None:
    with pytest.raises(CorpusError, match="ingen tekst – er det en scannet PDF\\?"):
        pdf.read(blank_pdf())


def test_passages_know_their_pages(tmp_path: Path) -> None:
    write(tmp_path / "rapport.pdf", pdf_bytes(PAGES))
    (src,), problems = scan_corpus(tmp_path)
    assert problems == [] and src.format == "pdf"
    doc = to_document(src)
    assert (doc.format, doc.reader, doc.page_count) == ("pdf", f"pdf@{pdf.VERSION}", 3)
    assert doc.meta.municipalities == ("Odense",)
    chunks = chunk_document(doc, Chunking(size=300, overlap=40))
    for chunk in chunks:
        assert 1 <= chunk.page_start <= chunk.page_end <= 3
        assert doc.text[chunk.start : chunk.end] == chunk.text
    last = next(c for c in chunks if "Lederne i Odense vil fortsætte" in c.text)
    assert last.page_start == 3


def test_pages_survive_the_index_round_trip(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "rapport.pdf", pdf_bytes(PAGES))
    write(corpus / "note.txt", f"En note\n\n{BODY}")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    report = build_index(settings, HashingEmbedder())
    assert report.problems == []
    snapshot = load_snapshot(settings.index_dir)
    pages = {c.source: (c.page_start, c.page_end) for c in snapshot.chunks.values()}
    assert pages["note.txt"] == (None, None) and pages["rapport.pdf"][0] >= 1
    doc = snapshot.documents["rapport.pdf"]
    assert (doc.format, doc.page_count, len(doc.pages)) == ("pdf", 3, 3)
    assert snapshot.manifest.readers == {"note.txt": "txt@1", "rapport.pdf": f"pdf@{pdf.VERSION}"}
