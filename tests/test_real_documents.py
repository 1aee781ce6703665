"""Real documents nobody here wrote: Debian's Danish Debian Edu manual and python-docx's files.

`make testdocs` puts them in data/testdocs/ (apt-get download debian-edu-doc-da,
and python-docx's sdist from PyPI); without them these tests skip, saying why.
The reading tests are fast; the search tests (`-m slow`) embed the manual with
the real model and find passages by questions written for them, on the right page.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from base.errors import CorpusError
from base.settings import DEFAULT_MODEL, ROOT, Chunking, Settings
from ingest.chunk import chunk_document
from ingest.pipeline import scan_corpus, to_document
from ingest.readers import docx, html, pdf

TESTDOCS = ROOT / "data" / "testdocs"
MANUAL_PDF = TESTDOCS / "debian-edu" / "debian-edu-bookworm-manual.pdf"
MANUAL_HTML = TESTDOCS / "debian-edu" / "debian-edu-bookworm-manual.html"
WORD_FILES = TESTDOCS / "python-docx"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} mangler: kør `make testdocs` (apt-get og pip)")
    return path


@pytest.fixture(scope="module")
def manual() -> pdf.ReadDocument:
    return pdf.read(need(MANUAL_PDF).read_bytes())


def test_the_manual_reads_page_by_page(manual) -> None:
    assert manual.page_count == 102 and len(manual.pages) == 102
    assert manual.meta_found.title == "Manual for Debian Edu / Skolelinux 12 Bookworm"
    assert manual.meta_found.date == "2024-01-31"
    # the Danish history paragraph is on physical page 7 (printed page "1 / 96")
    start, end = manual.pages[6]
    assert "grundlagt i Norge den 2. juli 2001" in manual.text[start:end]


def test_the_manual_has_no_running_headers_or_broken_words(manual) -> None:
    assert "Skolelinux 12 Bookworm 2 / 96" not in manual.text
    assert not re.search(r"\d+ / 96", manual.text)
    assert "\ufffe" not in manual.text
    assert "adgangskoder sendes over netværket" in manual.text  # "adgangs-koder" rejoined
    assert ". . . . ." not in manual.text  # the table of contents is dropped


def test_the_manual_sections_follow_its_bookmarks(manual) -> None:
    headings = [s.heading for s in manual.sections]
    assert "3 Arkitektur › 3.1.2 Hovedserver" in headings
    assert len(headings) > 150


def test_the_manual_passages_carry_pages(tmp_path: Path) -> None:
    shutil.copy(need(MANUAL_PDF), tmp_path / "manual.pdf")
    (src,), problems = scan_corpus(tmp_path)
    doc = to_document(src)
    chunks = chunk_document(doc, Chunking())
    assert problems == [] and len(chunks) > 200
    assert all(1 <= c.page_start <= c.page_end <= 102 for c in chunks)
    history = next(c for c in chunks if "grundlagt i Norge" in c.text)
    assert (history.page_start, history.page_end) == (7, 7)


def test_the_html_manual_has_the_same_content_without_the_page_around_it() -> None:
    read = html.read(need(MANUAL_HTML).read_bytes())
    assert read.meta_found.title == "Manual for Debian Edu / Skolelinux 12 Bookworm"
    assert "grundlagt i Norge den 2. juli 2001" in read.text
    assert "Indholdsfortegnelse" not in read.text  # the table of contents is navigation
    assert any(s.heading.startswith("3. Arkitektur › 3.1. Netværk") for s in read.sections)
    assert "Centraliseret logning | rsyslog | syslog" in read.text


def test_real_word_files_read_or_are_named() -> None:
    files = sorted(need(WORD_FILES).glob("*.docx"))
    assert len(files) > 30
    texts = {}
    for path in files:
        try:
            texts[path.name] = docx.read(path.read_bytes()).text
        except CorpusError as exc:  # allowed: a reason, never a crash
            texts[path.name] = f"FEJL {exc}"
    assert "foobar | barfoo" in texts["tbl-having-applied-style.docx"]
    assert "1 | 2 | 3\n4 | 5 | 6" in texts["tbl-cell-access.docx"]
    assert not any(t.startswith("FEJL") for t in texts.values())


# --- the real model -------------------------------------------------------------------

QUESTIONS = [  # written for this test; (question, words of the answer, physical page)
    ("Hvornår begyndte skolelinux-projektet i Norge?", "2. juli 2001", 7),
    (
        "Hvorfor kan man ikke have to hovedservere på samme skolenet?",
        "hovedserveren tilbyder DHCP",
        8,
    ),
    (
        "Hvordan sikres det at adgangskoder ikke sendes ukrypteret over nettet?",
        "ingen adgangskoder sendes over netværket som klartekst",
        9,
    ),
    ("Hvordan opretter jeg en ny elev som bruger i GOsa?", "vælg opret (Create)", 60),
]


@pytest.fixture(scope="module")
def manual_index(tmp_path_factory: pytest.TempPathFactory):
    from answer.build import build_index
    from answer.search import Searcher
    from index.encoder import load_embedder
    from index.store import load_snapshot

    root = tmp_path_factory.mktemp("manual")
    (root / "corpus").mkdir()
    shutil.copy(need(MANUAL_PDF), root / "corpus" / "debian-edu-manual.pdf")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", model=DEFAULT_MODEL)
    embedder = load_embedder(DEFAULT_MODEL)
    report = build_index(settings, embedder)
    assert report.problems == []
    return Searcher(load_snapshot(settings.index_dir), embedder)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "answer", "page"), QUESTIONS)
def test_a_question_finds_the_passage_on_its_page(manual_index, question, answer, page) -> None:
    hits = manual_index.search(question, k=3).hits
    found = [h for h in hits if answer in h.chunk.text]
    assert found, [h.chunk.text[:80] for h in hits]
    assert found[0].chunk.page_start <= page <= found[0].chunk.page_end
