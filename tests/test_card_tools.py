"""The card tools without a browser: context in the card, similar passages, the link to an
answer, the document page, and one log line per answer. Fake embedder."""

from __future__ import annotations

import html
import logging
from collections import Counter
from urllib.parse import parse_qs

import pytest

import chat_app
from casechat.answer import Responder
from casechat.answer_link import answer_link, from_params
from casechat.document_page import render_document
from casechat.export import to_markdown
from casechat.similar import similar_answer, similar_passages, similar_turn


def test_every_card_carries_its_context_and_tools(searcher) -> None:
    answer = Responder(searcher).answer("Hvordan arbejder kommunen med digital ledelse?")
    assert answer.hits
    for hit in answer.hits:
        card = answer.html.split(f'id="cc-{hit.chunk.chunk_id}"', 1)[1]
        card = card.split('<div class="cc-card"', 1)[0]
        assert "<summary" in card and "Vis i kontekst" in card
        assert "Vis hele passagen" in card and "Find lignende passager" in card
        marked = card.split('<mark class="cc-passage">', 1)[1].split("</mark>", 1)[0]
        assert html.unescape(marked) == hit.chunk.text  # the passage itself, marked
    assert "Kopiér link" in answer.html


def test_similar_passages_leave_out_their_own_document(searcher) -> None:
    origin = next(iter(searcher.snapshot.chunks.values()))
    found = similar_passages(searcher, origin.chunk_id, 5)
    assert len(found.hits) == 5
    assert all(h.chunk.source != origin.source for h in found.hits)
    scores = [h.score for h in found.hits]
    assert scores == sorted(scores, reverse=True)
    # the nearest other passage by the stored vectors, checked by brute force
    ids, vectors = searcher.snapshot.all_vectors()
    own = searcher.snapshot.vector(origin.chunk_id)
    others = [
        (float(v @ own), int(i))
        for i, v in zip(ids, vectors, strict=True)
        if searcher.chunk(int(i)).source != origin.source
    ]
    assert found.hits[0].chunk.chunk_id == max(others)[1]


def test_similar_turn_is_a_new_turn_and_is_exported(searcher) -> None:
    origin = next(iter(searcher.snapshot.chunks.values()))
    source = Responder(searcher).source
    history, answer, kept = similar_turn(source, str(origin.chunk_id), [{"role": "user"}], 3)
    assert len(history) == 3 and history[1]["content"].startswith('<div class="cc-question">')
    assert answer.hits and len(kept.citations) == len(answer.hits)
    assert all(c.source != origin.source for c in kept.citations)
    assert kept.citations[0].text == answer.hits[0].chunk.text
    markdown = to_markdown([kept])
    assert "Find lignende passager" in markdown and kept.citations[0].source in markdown


def test_similar_answer_with_a_stale_id_is_a_danish_message(searcher) -> None:
    asked, answer = similar_answer(Responder(searcher).source, "999999999999", 3)
    assert answer.error and "findes ikke længere" in answer.html


def test_answer_link_round_trip() -> None:
    link = answer_link("Hvad gjorde Odense?", ["Odense"], ["a.txt"], 4)
    params = parse_qs(link[1:])
    linked = from_params(params, ["Odense"], ["a.txt"])
    assert linked is not None
    assert (linked.question, linked.municipalities, linked.documents, linked.k) == (
        "Hvad gjorde Odense?",
        ["Odense"],
        ["a.txt"],
        4,
    )
    assert from_params(parse_qs("kommune=Odense"), ["Odense"], []) is None
    dropped = from_params(parse_qs("q=x&kommune=Atlantis&dokument=væk.txt"), ["Odense"], [])
    assert dropped.municipalities == [] and dropped.documents == []


def test_document_page_shows_metadata_and_outline(searcher) -> None:
    document = next(d for d in searcher.documents() if d.sections)
    passages = Counter(
        c.section for c in searcher.snapshot.chunks.values() if c.source == document.source
    )
    html = render_document(document, passages)
    assert document.meta.title.split("&")[0] in html
    assert document.source in html and "Afsnit" in html
    assert html.count("<li") == len(document.sections)


@pytest.fixture
def casechat_logger():
    """The chat's loggers as at the start of `casechat chat` (other tests may have changed
    them: handlers added, a logger disabled by a logging configuration), restored after."""
    loggers = [logging.getLogger("casechat"), logging.getLogger("casechat.chat")]
    saved = [(list(g.handlers), g.propagate, g.level, g.disabled) for g in loggers]
    for logger in loggers:
        logger.handlers.clear()
        logger.disabled = False
    loggers[1].setLevel(logging.NOTSET)
    yield loggers[0]
    for logger, (handlers, propagate, level, disabled) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.propagate, logger.level, logger.disabled = propagate, level, disabled


def test_one_log_line_per_answer(searcher, capfd, casechat_logger) -> None:
    root = logging.getLogger()
    extra = logging.StreamHandler()  # as a library that configures the root logger would
    root.addHandler(extra)
    try:
        chat_app._log_to_terminal()
        Responder(searcher).answer("Hvordan arbejder kommunen med digital ledelse?")
    finally:
        root.removeHandler(extra)
    assert capfd.readouterr().err.count("Svar på") == 1
