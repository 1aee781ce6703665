"""Words match as words (index/lemma.py, answer/wordmatch.py): dictionary forms, not stems."""

from __future__ import annotations

import pytest

from answer.quote import Passage, SentenceMeter, best_sentences
from answer.wordmatch import QuestionWords, TextForms, strength
from index import lemma
from index.analyze import words
from index.lemma import text_words, word_forms

pytestmark = pytest.mark.skipif(
    not lemma.available(), reason="chunspell or the vendored da_DK dictionary is missing"
)


def _meets(question: str, text: str) -> float:
    (asked,) = text_words(question)
    return strength(asked, TextForms.of(text))


def test_bager_is_no_bag_though_the_stemmer_makes_both_bag() -> None:
    assert words("bager") == words("bag")  # what BM25 sees
    assert _meets("bager", "der er forskning bag") == 0.0
    assert _meets("bager", "hun bagte en kage") == 1.0


def test_inflections_genitives_and_folded_spelling_meet() -> None:
    assert _meets("medarbejderne", "alle medarbejdere") == 1.0
    assert _meets("kompetencer", "den digitale kompetence") == 1.0
    assert _meets("Københavns", "i København") == 1.0
    assert _meets("velfaerd", "velfærd og teknologi") == 1.0  # typed without æ


def test_a_compound_meets_its_last_part_by_half() -> None:
    assert word_forms("ledelsesudviklingen")[0] == frozenset({"ledelsesudvikling"})
    assert _meets("udvikling", "et ledelsesudviklingsforløb") == 0.0  # inner part: no
    assert _meets("udvikling", "ledelsesudviklingen") == 0.5


def test_unknown_words_fall_back_to_their_stem() -> None:
    assert _meets("masterclassen", "en masterclass") == 1.0
    assert _meets("ChatGPT", "brugen af chatgpt") == 1.0


def test_a_sentence_that_meets_no_question_word_is_never_quoted() -> None:
    vocabulary = set(words("der er forskning bag kage opskrift"))
    asks = QuestionWords("Hvordan bager man?", lambda t: 1 if t in vocabulary else 0, 10)
    meter = SentenceMeter(asks)
    assert meter.score("Det er godt at have et teoriapparat, der er forskning bag.") == 0.0
    passage = Passage(1, 1, "Der er forskning bag. Vi taler om noget andet.")
    assert best_sentences(meter, [passage]) == []


def test_the_fallback_without_the_dictionary_is_the_stem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lemma, "_speller", lambda: None)
    word_forms.cache_clear()
    try:
        assert word_forms("bager")[0] == frozenset(words("bager"))
    finally:
        word_forms.cache_clear()


def test_evidence_coverage_counts_words_not_stems(searcher) -> None:
    """The cake question's "bager" is not met by the passage that ends "… forskning bag"."""
    evidence = searcher.evidence
    cid = next(c for c, chunk in searcher.snapshot.chunks.items() if "forskning bag" in chunk.text)
    assert words("bager")[0] in words(searcher.snapshot.chunks[cid].text)  # BM25 sees "bag"
    assert evidence.coverage("bager", [cid]) == 0.0
    assert evidence.coverage("forskning", [cid]) == 1.0
