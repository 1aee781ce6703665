"""Quotes (answer/quote.py): sentences, their scores, the best sentence and the short answer."""

from __future__ import annotations

from answer.quote import (
    Passage,
    Quote,
    SentenceMeter,
    best_sentences,
    sentence_spans,
    short_answer,
)
from answer.wordmatch import QuestionWords, TextForms
from index.analyze import words

TEXT = (
    "Hvordan greb I det an? Vi samlede fx. alle ledere til en temadag i 2019. "
    "Bagefter lavede vi en plan.\n- Første punkt i listen\n- Andet punkt"
)


def _scorer(question: str) -> SentenceMeter:
    vocabulary = set(words(TEXT)) | {"kaffe", "viborg"}
    return SentenceMeter(QuestionWords(question, lambda t: 1 if t in vocabulary else 0, 10))


def test_sentences_are_split_at_ends_and_list_items_but_not_after_abbreviations() -> None:
    pieces = [TEXT[a:b] for a, b in sentence_spans(TEXT)]
    assert pieces == [
        "Hvordan greb I det an?",
        "Vi samlede fx. alle ledere til en temadag i 2019.",
        "Bagefter lavede vi en plan.",
        "- Første punkt i listen",
        "- Andet punkt",
    ]


def test_a_sentence_scores_by_the_questions_words_and_a_question_scores_half() -> None:
    scorer = _scorer("Hvornår holdt lederne temadag?")
    assert scorer.score("Vi samlede alle ledere til en temadag.") > scorer.score("En plan.")
    asked = "Hvornår holdt lederne temadag?"
    assert scorer.score(asked) == 0.5 * scorer.match(asked)
    assert _scorer("kaffe").score("Vi samlede alle ledere.") == 0.0


def test_words_of_the_passage_header_count_less_for_choosing_its_sentence() -> None:
    scorer = _scorer("temadag i Viborg")
    about_the_case, about_the_question = "Viborg er en kommune.", "Vi holdt en temadag."
    header = TextForms.of("Viborg")
    assert abs(scorer.match(about_the_case) - scorer.match(about_the_question)) < 0.05
    assert scorer.match(about_the_question, header) > scorer.match(about_the_case, header)


def test_the_sentence_after_a_matching_question_is_taken_as_its_answer() -> None:
    scorer = _scorer("Hvordan greb I det an?")
    (best,) = best_sentences(scorer, [Passage(1, 7, TEXT)])
    assert best.text == "Vi samlede fx. alle ledere til en temadag i 2019."
    assert TEXT[best.start : best.end] == best.text  # a quote is a span, word for word


def test_the_short_answer_is_one_or_two_sentences_from_the_best_three_passages() -> None:
    quotes = [
        Quote(rank=r, chunk_id=r, start=0, end=1, text=f"s{r}", score=s)
        for r, s in [(1, 0.5), (2, 0.45), (3, 0.1), (4, 0.9)]
    ]
    assert [q.rank for q in short_answer(quotes)] == [1, 2]  # passage 4 is not quoted
    assert [q.rank for q in short_answer(quotes[:1] + quotes[2:3])] == [1]
    assert short_answer([]) == ()
