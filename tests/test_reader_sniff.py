"""A file is read as what its content is; a lying extension is followed or refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docmaker import BODY, docx_bytes, pdf_bytes, write

from base.errors import CorpusError
from ingest.pipeline import scan_corpus, to_document
from ingest.readers.sniff import content_format, detect

PDF = pdf_bytes([[("h1", "1 Om rapporten"), ("p", BODY * 3)]])
DOCX = docx_bytes(lambda d: (d.add_heading("Notat", 1), d.add_paragraph(BODY)))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "pdf"),
        (DOCX, "docx"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0"><html>', "html"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "ole"),
        (b"Almindelig tekst med <b>fed</b> skrift", "text"),
    ],
)
def test_content_decides_the_format(data: bytes, expected: str) -> None:
    assert content_format(data) == expected


def test_plain_text_with_tags_stays_text() -> None:
    assert detect(b"<b>1.</b> <b>INDLEDNING</b>\n\nTekst", ".txt") == "txt"


def test_pdf_and_docx_with_wrong_names_are_read_as_what_they_are(tmp_path: Path) -> None:
    write(tmp_path / "rapport.txt", PDF)
    write(tmp_path / "notat.pdf", DOCX)
    sources, problems = scan_corpus(tmp_path)
    assert problems == []
    formats = {s.source: s.format for s in sources}
    assert formats == {"notat.pdf": "docx", "rapport.txt": "pdf"}
    assert "Om rapporten" in to_document(sources[1]).text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("download.pdf", b"<!DOCTYPE html><html><body>404</body></html>", "ligner en HTML-side"),
        ("notat.docx", b"Bare tekst, ikke Word", "er ikke et Word-dokument"),
        ("gammel.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "gamle Office-format"),
        ("billeder.docx", b"", "zip-arkiv"),
    ],
)
def test_lying_names_that_cannot_be_followed_are_refused(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    if not data:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("billede.png", b"\x89PNG")
        data = out.getvalue()
    write(tmp_path / name, data)
    sources, problems = scan_corpus(tmp_path)
    assert sources == [] and reason in problems[0].reason


def test_unknown_suffix_is_still_refused() -> None:
    with pytest.raises(CorpusError, match="filtypen .ods understøttes ikke"):
        detect(b"PK\x03\x04", ".ods")
