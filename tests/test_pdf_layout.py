"""PDF reading order: columns read one after the other, tables as rows, addresses whole.

The PDFs are made from known text (the seed cases) with the columns written row
by row straight across the page, as many layout programs write them; PDFium's
own order then interleaves the columns. Target (issue 21): ≥ 99 % of the
sentences read back whole.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from ingest.readers import pdf
from ingest.readers.pdf_layout import page_boxes
from tools.known_pdfs import case_paragraphs, columns_pdf, intact_share, interleaved_pdf

KL = "kl-rapport-fremtidens-digitale-kompetencer.txt"
TABLE = [("Område", "Borgere", "Timer sparet"), ("Jobcenter", "120", "340"),
         ("Hjemmepleje", "80", "1.200")]  # fmt: skip
URL = "https://www.kl.dk/analyser/digital-ledelse-i-kommunerne-2023"


def _stream_order(data: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(data))


@pytest.mark.parametrize("ncols", [2, 3])
def test_interleaved_columns_read_column_by_column(ncols: int) -> None:
    paragraphs = case_paragraphs(KL)
    data = interleaved_pdf(paragraphs, ncols=ncols)
    assert intact_share(paragraphs, _stream_order(data)) < 0.5  # the file really interleaves
    read = pdf.read(data)
    assert intact_share(paragraphs, read.text) >= 0.99
    assert "KL · Rapport om digital ledelse" not in read.text and "Side 2" not in read.text


def test_pages_of_a_column_layout_stay_right() -> None:
    paragraphs = case_paragraphs(KL)
    data = interleaved_pdf(paragraphs)
    read = pdf.read(data)
    source = pdfium.PdfDocument(data)
    for number in (2, 5):
        lines = page_boxes(source[number - 1].get_textpage())
        start, end = read.pages[number - 1]
        for probe in (lines[5].text, lines[-5].text):  # one line of each column
            assert probe in " ".join(read.text[start:end].split())


def test_table_rows_and_a_cut_address() -> None:
    paragraphs = case_paragraphs("haderslev-digital-transformation.txt")
    read = pdf.read(columns_pdf(paragraphs, table=TABLE, url=URL))
    assert "Område | Borgere | Timer sparet\nJobcenter | 120 | 340\nHjemmepleje | 80 | 1.200" in (
        read.text
    )
    assert URL in read.text
    assert intact_share(paragraphs, read.text) >= 0.99


def test_single_column_pages_keep_pdfium_order() -> None:
    from docmaker import BODY, pdf_bytes

    read = pdf.read(pdf_bytes([[("p", BODY * 4), ("raw", "Kort linje.")], [("p", BODY * 3)]]))
    assert " ".join(BODY.split()) in " ".join(read.text.split())


def test_the_manuals_service_table_reads_as_rows() -> None:
    from test_real_documents import MANUAL_PDF, need

    read = pdf.read(need(MANUAL_PDF).read_bytes())
    assert (
        "Tjenestebeskrivelse | Almindeligt navn | DNS-tjenestenavn\n"
        "Centraliseret logning | rsyslog | syslog\n"
        "Tjeneste for domænenavn | DNS (BIND) | domæne\n"
        "Automatisk netværkskonfiguration af maskiner | DHCP | bootps"
    ) in read.text


def test_only_an_address_cut_inside_is_joined() -> None:
    from docmaker import pdf_bytes

    lines = [
        ("raw", "Rapporten ligger på https://www.kl.dk/analyser/digital-"),
        ("raw", "ledelse-2023 sammen med bilagene."),
        ("raw", "Se også https://www.kl.dk"),
        ("raw", "og find de andre rapporter der."),
    ]
    text = " ".join(pdf.read(pdf_bytes([lines], header=None)).text.split())
    assert "https://www.kl.dk/analyser/digital-ledelse-2023 sammen" in text
    assert "https://www.kl.dk og find" in text
