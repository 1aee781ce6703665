"""HTML reading: the main content without the page around it, h1–h3 as sections."""

from __future__ import annotations

from pathlib import Path

import pytest
from docmaker import BODY, write

from ingest.pipeline import scan_corpus, to_document
from ingest.readers import html

PAGE = f"""<!DOCTYPE html>
<html lang="da"><head>
<meta charset="utf-8">
<title>Viborg Kommune: Lederskab | KL</title>
<meta property="og:title" content="Viborg Kommune: Lederskab er nøglen">
<meta property="article:published_time" content="2024-05-07T08:00:00+02:00">
<style>body {{ color: red }}</style>
<script>var tracking = "Viborg Viborg Viborg";</script>
</head><body>
<a class="skip-link" href="#main">Gå til hovedindhold</a>
<header><nav><ul><li>Forside</li><li>Nyheder</li></ul></nav><p>Log ind</p></header>
<div id="cookie-banner"><p>Vi bruger cookies. Accepter alle cookies.</p></div>
<main>
<h1>Viborg Kommune: Lederskab er nøglen</h1>
<p>I <strong>Viborg</strong> har lederne arbejdet med digitalisering. {BODY}</p>
<h2>Sådan gjorde de</h2>
<p>{BODY}</p>
<ul><li>Et fælles forløb for alle ledere</li><li>Sparring i <a href="#">netværk</a></li></ul>
<h3>Resultater</h3>
<table><tr><th>År</th><th>Ledere</th></tr><tr><td>2023</td><td>45</td></tr></table>
<h2>Det næste</h2>
<p>Viborg vil fortsætte arbejdet. {BODY}</p>
</main>
<aside><p>Læs også: andre nyheder</p></aside>
<footer><p>KL · Weidekampsgade 10 · Kontakt</p></footer>
</body></html>"""


@pytest.fixture(scope="module")
def read() -> html.ReadDocument:
    return html.read(PAGE.encode("utf-8"))


def test_navigation_banners_scripts_and_footer_are_removed(read) -> None:
    for furniture in ("Forside", "Log ind", "cookies", "tracking", "color: red",
                      "Læs også", "Weidekampsgade", "Gå til hovedindhold"):  # fmt: skip
        assert furniture not in read.text


def test_h1_to_h3_become_sections(read) -> None:
    # a lone h1 above everything is the page's title, not a section (as in ingest/clean.py)
    assert [s.heading for s in read.sections] == [
        "",
        "Sådan gjorde de",
        "Sådan gjorde de › Resultater",
        "Det næste",
    ]


def test_inline_markup_lists_and_tables_read_as_text(read) -> None:
    assert "I Viborg har lederne arbejdet" in read.text
    assert "• Et fælles forløb for alle ledere\n\n• Sparring i netværk" in read.text
    assert "År | Ledere\n2023 | 45" in read.text


def test_title_and_date_from_the_page(read) -> None:
    assert read.meta_found.title == "Viborg Kommune: Lederskab er nøglen"
    assert read.meta_found.date == "2024-05-07"


def test_title_tag_when_there_is_no_og_title() -> None:
    read = html.read(b"<html><head><title>En side</title></head><body><p>Tekst.</p></body></html>")
    assert read.meta_found.title == "En side"


def test_windows_1252_page_keeps_danish_letters() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Blåbærgrød på Ærø</p>'
    assert "Blåbærgrød på Ærø" in html.read(page.encode("cp1252")).text


def test_html_through_the_pipeline(tmp_path: Path) -> None:
    write(tmp_path / "viborg.html", PAGE)
    (src,), problems = scan_corpus(tmp_path)
    doc = to_document(src)
    assert problems == [] and doc.format == "html" and doc.reader == "html@1"
    assert doc.meta.municipalities == ("Viborg",)
    assert doc.meta.title == "Viborg Kommune: Lederskab er nøglen"


def test_a_100_mb_html_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "kaempe.html"
    with path.open("wb") as handle:  # sparse: 100 MB on paper, no disk
        handle.truncate(100 * 10**6)
    sources, problems = scan_corpus(tmp_path)
    assert sources == []
    assert "filen er 100 MB; grænsen er 20 MB" in problems[0].reason
