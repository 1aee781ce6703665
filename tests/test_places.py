"""Municipalities named in a question are respected (answer/places.py, issue 18 item 4)."""

from __future__ import annotations

import pytest

from answer.places import Places, about_first, missing_from, named_in, without_names
from answer.quote import Passage, SentenceMeter, best_sentences, short_answer
from answer.search import Searcher
from answer.wordmatch import QuestionWords, TextForms
from casechat.wording import notices
from ingest.document import Chunk

KNOWN = ("Herning", "København", "Odense", "Viborg")


def test_names_are_found_as_the_index_knows_them_in_the_order_written() -> None:
    assert named_in("og i Herning, som Københavns kommune?", KNOWN) == ("Herning", "København")
    assert named_in("Hvad gjorde Aarhus?", KNOWN) == ()  # not a municipality of this index
    assert "Herning" not in without_names("Hvad gjorde Hernings ledere?", ["Herning"])


def _chunk(cid: int, munis: tuple[str, ...], text: str) -> Chunk:
    return Chunk(cid, f"{cid}.txt", "Titel", "", 0, len(text), text, munis)


CHUNKS = {
    1: _chunk(1, ("København",), "Et velfærdsteknologisk CV til borgerne på bostederne."),
    2: _chunk(2, ("København", "Odense"), "Digitale kompetencer hos medarbejderne."),
    3: _chunk(3, ("Odense",), "Odense styrkede medarbejdernes digitale kompetencer."),
    4: _chunk(4, ("Herning",), "Styregruppen tog på masterclass."),
}


def _order(question: str, ranked: list[int]) -> tuple[list[int], bool]:
    named = named_in(question, KNOWN)
    asks = QuestionWords(without_names(question, named), lambda t: 1, 10)
    order, moved = about_first(
        [(c, 1.0 / (i + 1)) for i, c in enumerate(ranked)],
        CHUNKS.__getitem__,
        named,
        asks,
        lambda c: TextForms.of(CHUNKS[c].text),
    )
    return [c for c, _ in order], moved


def test_passages_about_the_named_municipality_that_meet_the_question_go_first() -> None:
    order, moved = _order("Hvordan styrkede Odense de digitale kompetencer?", [1, 2, 3, 4])
    assert moved and order[:2] == [3, 2]  # about Odense alone before Odense among others


def test_a_passage_about_the_municipality_that_does_not_meet_the_question_goes_last() -> None:
    order, moved = _order("Hvad er et velfærdsteknologisk CV i Herning?", [1, 4, 2, 3])
    assert moved and order == [1, 2, 3, 4]  # naming Herning is not enough to be shown
    shown = [CHUNKS[c] for c in order[:2]]
    assert missing_from(("Herning",), shown) == ("Herning",)


@pytest.fixture
def ruled(searcher: Searcher) -> Searcher:
    """The fake-model searcher deciding by the fallback rule, not the model learned from the
    fake vectors: these tests are about which passages are shown, not the verdict."""
    searcher.model = searcher.featurizer = None
    return searcher


def test_search_notes_when_no_shown_passage_is_about_the_named_municipality(
    ruled: Searcher,
) -> None:
    searcher = ruled
    known = searcher.municipalities()
    assert "Herning" in known and "København" in known
    question = "Hvordan udarbejdede Herning et velfærdsteknologisk CV til borgerne?"
    result = searcher.search(question, k=1)  # København's case is the one that answers
    assert [h.chunk.municipalities for h in result.hits] == [("København",)]
    assert result.places.missing == ("Herning",)
    note = "Ingen af passagerne handler om Herning – her er det nærmeste fra København."
    assert notices(result).startswith(note)


def test_search_answers_from_the_named_municipality_first(ruled: Searcher) -> None:
    searcher = ruled
    result = searcher.search("Hvordan arbejdede Odense med digitale kompetencer hos medarbejderne?")
    assert result.hits and "Odense" in result.hits[0].chunk.municipalities
    assert result.places.named == ("Odense",) and result.places.missing == ()
    quoted = result.short_answer or (result.hits[0].best,)  # the verdict aside
    assert "Odense" in next(h for h in result.hits if h.rank == quoted[0].rank).chunk.municipalities


def test_the_quote_prefers_a_sentence_about_the_named_municipality() -> None:
    asks = QuestionWords("Hvordan styrkede Odense de digitale kompetencer?", lambda t: 1, 10)
    meter = SentenceMeter(asks)
    elsewhere = Passage(
        1,
        1,
        "København styrkede de digitale kompetencer hos alle.",
        1.0,
        places=("København", "Odense"),
    )
    here = Passage(
        2, 2, "Vi styrkede kompetencerne gennem et forløb for lederne.", 0.9, places=("Odense",)
    )
    places = Places(("Odense",), known=KNOWN)
    without = short_answer(best_sentences(meter, [elsewhere, here]))
    assert without[0].rank == 1  # by words alone, the København sentence meets more
    (best, *_) = short_answer(best_sentences(meter, [elsewhere, here], places))
    assert best.rank == 2


def test_a_followup_naming_a_municipality_gets_the_note_in_the_chat(ruled: Searcher) -> None:
    from casechat.answer import Responder

    previous = "Hvordan udarbejdede man et velfærdsteknologisk CV til borgerne?"
    answer = Responder(ruled).answer("og i Herning?", k=1, previous=previous)
    assert answer.result is not None and answer.result.places.named == ("Herning",)
    assert [h.chunk.municipalities for h in answer.hits] == [("København",)]
    assert "Ingen af passagerne handler om Herning – her er det nærmeste fra København." in (
        answer.html
    )
