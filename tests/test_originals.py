"""Originals behind the citations (casechat/originals.py): a PDF passage's card says its
page and links to the file at that page; the chat serves it by id, read-only, from the
corpus folder only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docmaker import BODY, pdf_bytes
from served import Served, serve_copy

from answer.build import build_index
from base.settings import Settings
from casechat.answer import Responder
from casechat.html_text import document_id
from index.encoder import HashingEmbedder

PDF = "odense-rapport.pdf"
WORD = "zylofonerne"  # only on page 3 of the generated PDF


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("originals")
    corpus = root / "corpus"
    corpus.mkdir()
    pages = [
        [("h1", "Indledning"), ("p", BODY * 3)],
        [("h1", "Forløbet"), ("p", BODY * 3)],
        [("h1", "Resultater"), ("p", f"Lederne fik styr på {WORD} og deres data. " + BODY)],
    ]
    (corpus / PDF).write_bytes(pdf_bytes(pages))
    (corpus / "hemmelig.txt").write_text("Ikke i indekset? Jo, men kun som tekst.\n")
    template = Settings(corpus_dir=corpus, index_dir=root / "index", model="hashing")
    build_index(template, HashingEmbedder())
    running = serve_copy(template, root / "served")
    yield running
    running.close()


def test_a_pdf_card_names_its_page_and_links_to_the_original_at_it(served: Served) -> None:
    answer = Responder(served.live).answer(f"Hvad fik lederne styr på {WORD}?", k=1)
    assert "s. 3" in answer.html
    link = re.search(r'href="(/dokument/[0-9a-f]{16}#page=3)"', answer.html)
    assert link is not None
    response = httpx.get(served.url + link.group(1).split("#")[0].lstrip("/"), timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == (served.settings.corpus_dir / PDF).read_bytes()


def test_an_original_is_served_only_by_the_id_of_an_indexed_document(served: Served) -> None:
    text_id = document_id("hemmelig.txt")
    ok = httpx.get(f"{served.url}dokument/{text_id}", timeout=30)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")
    assert "sandbox" in ok.headers["content-security-policy"]
    for bad in ("0" * 16, "..%2F..%2Fetc%2Fpasswd", "hemmelig.txt", document_id("../x")):
        response = httpx.get(f"{served.url}dokument/{bad}", timeout=30)
        assert response.status_code == 404, bad
        assert "root:" not in response.text


def test_a_removed_original_is_not_served(served: Served, tmp_path: Path) -> None:
    target = served.settings.corpus_dir / "hemmelig.txt"
    saved = target.read_bytes()
    target.unlink()
    try:
        response = httpx.get(f"{served.url}dokument/{document_id('hemmelig.txt')}", timeout=30)
        assert response.status_code == 404 and "fejl" in response.json()
    finally:
        target.write_bytes(saved)
