"""OCR of scanned PDF pages: only pages without a text layer, pages cited as for text
PDFs, cached by content hash, and a clear reason where Tesseract is missing.

The scans are made from a seed case: its text set in a PDF, each page rendered to
an image at 200 dpi and put into a new PDF with no text layer (tools/known_pdfs.py).
Two pages are OCR'd in all (about 10-25 s on a busy two-core machine).
"""

from __future__ import annotations

import difflib
import re

import pytest
from docmaker import write

from base.errors import CorpusError
from base.settings import OCR_CACHE_ENV
from ingest import ocr_pages
from ingest.pipeline import scan_corpus, to_document
from ingest.readers import ocr, pdf
from tools.known_pdfs import case_paragraphs, columns_pdf, scanned_pdf

HERNING = "herning-faelles-mindset-masterclass.txt"
RINGKOEBING = "ringkoebing-skjern-temadag-strategi.txt"
needs_tesseract = pytest.mark.skipif(
    ocr.missing() is not None, reason=f"Tesseract mangler: {ocr.missing()}"
)


def word_accuracy(known: str, read: str) -> float:
    """Share of the known words (æøå and case kept) that OCR read, in order."""
    a, b = re.findall(r"\w+", known), re.findall(r"\w+", read)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in matcher.get_matching_blocks()) / max(len(a), 1)


@pytest.fixture(scope="module")
def mixed() -> tuple[bytes, list[str], list[str]]:
    """Page 1 keeps its text layer (Herning), page 2 is a scan (Ringkøbing-Skjern)."""
    first, second = case_paragraphs(HERNING)[:6], case_paragraphs(RINGKOEBING)[:5]
    two_pages = columns_pdf(first + ["\f"] + second, ncols=1, header="Sagsmappe")
    return scanned_pdf(two_pages, dpi=200, pages=[1]), first, second


def test_a_scan_without_tesseract_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ocr, "missing", lambda: "kræver OCR (installér tesseract-ocr-dan)")
    text_pdf = columns_pdf(case_paragraphs(HERNING)[:3], ncols=1)
    write(tmp_path / "scan.pdf", scanned_pdf(text_pdf, dpi=100))
    (src,), problems = scan_corpus(tmp_path)
    with pytest.raises(CorpusError, match=r"kræver OCR \(installér tesseract-ocr-dan\)"):
        to_document(src)


def test_only_pages_without_text_need_ocr(mixed) -> None:
    data, first, _ = mixed
    read = pdf.read(data)
    assert read.ocr_pages == (2,) and read.page_count == 2
    assert word_accuracy(" ".join(first), read.text) > 0.99  # page 1 from its text layer


@needs_tesseract
def test_scanned_page_is_read_cited_and_cached(mixed, tmp_path, monkeypatch) -> None:
    data, first, second = mixed
    monkeypatch.setenv(OCR_CACHE_ENV, str(tmp_path / "ocr"))
    write(tmp_path / "corpus" / "sag.pdf", data)
    (src,), _ = scan_corpus(tmp_path / "corpus")
    pages: list[tuple[int, int]] = []
    doc = to_document(src, on_page=lambda done, total: pages.append((done, total)))
    assert pages == [(1, 1)]  # one progress step per scanned page
    start, end = doc.pages[1]
    assert word_accuracy(" ".join(second), doc.text[start:end]) >= 0.97
    assert "Ringkøbing-Skjern" in doc.text[start:end]
    assert word_accuracy(" ".join(first), doc.text[slice(*doc.pages[0])]) > 0.99

    def no_ocr(*args, **kwargs):
        raise AssertionError("OCR ran again for a cached page")

    monkeypatch.setattr(ocr_pages, "run_isolated", no_ocr)
    again = to_document(src)
    assert again.text == doc.text
    assert len(list((tmp_path / "ocr").glob("*.txt"))) == 1


@needs_tesseract
def test_fully_scanned_case_is_searchable_with_pages(tmp_path, monkeypatch) -> None:
    from base.settings import Chunking
    from ingest.chunk import chunk_document

    monkeypatch.setenv(OCR_CACHE_ENV, str(tmp_path / "ocr"))
    known = case_paragraphs(HERNING)[:4]
    write(tmp_path / "corpus" / "herning-scan.pdf", scanned_pdf(columns_pdf(known, ncols=1)))
    (src,), _ = scan_corpus(tmp_path / "corpus")
    doc = to_document(src)
    assert doc.meta.municipalities == ("Herning",)
    chunks = chunk_document(doc, Chunking())
    assert chunks and all(c.page_start == 1 for c in chunks)
    assert word_accuracy(" ".join(known), doc.text) >= 0.97


def test_an_uploaded_scan_is_checked_without_ocr(tmp_path, monkeypatch) -> None:
    from base.settings import Settings
    from casechat.library import Library

    def no_ocr(*args, **kwargs):
        raise AssertionError("the upload check ran OCR; the build does that")

    monkeypatch.setattr(ocr, "missing", lambda: None)  # as if Tesseract were there
    monkeypatch.setattr(ocr_pages, "run_isolated", no_ocr)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    library = Library(Settings(corpus_dir=corpus, index_dir=tmp_path / "index")).open()
    scan = write(tmp_path / "scan.pdf", scanned_pdf(columns_pdf(["Kort tekst."], ncols=1), 72))
    (candidate,), refused = library.check([(scan, "Skannet afgørelse.pdf")])
    assert refused == [] and candidate.format == "pdf" and candidate.pages == 1
    monkeypatch.setattr(ocr, "missing", lambda: "kræver OCR (installér tesseract-ocr-dan)")
    taken, (refusal,) = library.check([(scan, "Skannet afgørelse.pdf")])
    assert taken == [] and "kræver OCR (installér tesseract-ocr-dan)" in refusal.reason
