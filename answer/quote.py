"""Quotes: the sentences of the retrieved passages that best answer the question.

No text is generated: a quote is a span of a passage, word for word. Each
passage gets its best sentence (marked in its card), and the one or two best
sentences over the shown passages make the short answer ("Kort svar").

A sentence is scored by the question's content words it meets as words (by
dictionary form, answer/wordmatch.py: "bager" never meets "bag"), each weighted
by its rarity in the index (IDF, as BM25 weighs them), with partial credit for
shared character n-grams of compounds (a compound meets its parts), plus a small
prior for the passage's own rank in the fused ranking. A sentence that meets none
of the question's words is never quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from answer.places import Places, named_in
from answer.wordmatch import QuestionWords, TextForms
from index.sentences import MIN_CHARS, SentenceScorer, is_question, sentence_spans

__all__ = [
    "Passage",
    "Quote",
    "SentenceMeter",
    "SentenceScorer",
    "best_sentences",
    "sentence_spans",
    "short_answer",
]

#: How much a passage's fused rank counts in its sentences' scores.
PASSAGE_PRIOR = 0.15
#: Share of a matching question's score that the sentence after it gets (interview, FAQ).
ANSWER_AFTER_QUESTION = 0.9
#: The short answer quotes from this many of the best passages.
SHORT_ANSWER_DEPTH = 3
#: A second sentence joins the short answer when it scores at least this share of the best.
SECOND_SHARE = 0.5
#: Weight of a sentence of a passage about the named municipality among others, and of one
#: about other municipalities only (chosen before measuring, not fitted to any question).
PARTLY_THERE = 0.75
ELSEWHERE = 0.5


class SentenceMeter:
    """Scores sentences against one question by the words they meet (answer/wordmatch.py)."""

    def __init__(self, asks: QuestionWords) -> None:
        self.asks = asks

    def match(self, sentence: str, context: TextForms | None = None) -> float:
        return self.asks.match(sentence, context)

    def score(self, sentence: str, context: TextForms | None = None) -> float:
        """`match`, halved for headings, fragments and questions, which rarely answer."""
        value = self.match(sentence, context)
        if len(sentence) < MIN_CHARS or is_question(sentence):
            value *= 0.5
        return value


@dataclass(frozen=True)
class Quote:
    """One sentence of a shown passage: its place and score."""

    rank: int  # the passage's rank in the answer (its citation number)
    chunk_id: int
    start: int  # offsets within the passage's text
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Passage:
    """A passage to quote from: its rank, id, text, share of the best fused score, and the
    terms of its header (title, section, municipalities)."""

    rank: int
    chunk_id: int
    text: str
    share: float = 0.0
    context: TextForms | None = None
    #: The municipalities the passage is about (its metadata).
    places: tuple[str, ...] = ()


def introduces(sentence: str) -> bool:
    """A question, or a label ending in a colon: what follows it answers it."""
    return is_question(sentence) or sentence.rstrip().endswith(":")


def place_fit(passage: Passage, sentence: str, places: Places | None) -> float:
    """1 without a named municipality; else how much the sentence is about it: its passage
    about the named alone 1, about it among others PARTLY_THERE, about others only
    ELSEWHERE; a sentence naming only other municipalities of the index counts ELSEWHERE
    again."""
    if places is None or not places.named:
        return 1.0
    named, about = set(places.named), set(passage.places)
    fit = 1.0 if about and about <= named else PARTLY_THERE if about & named else ELSEWHERE
    mentioned = set(named_in(sentence, places.known))
    if mentioned and not mentioned & named:
        fit *= ELSEWHERE
    return fit


def best_sentences(
    scorer: SentenceMeter, passages: Sequence[Passage], places: Places | None = None
) -> list[Quote]:
    """The best sentence of each passage (preferring those about a named municipality)."""
    quotes = []
    for passage in passages:
        rank, chunk_id, text = passage.rank, passage.chunk_id, passage.text
        best = None
        asked = 0.0  # how well the sentence before, if it was a question, matched
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            value = scorer.score(sentence, passage.context)
            if asked and not introduces(sentence):
                # In an interview or FAQ the sentence after a matching question answers it,
                # and in a list the text after a matching "label:" is what it says.
                value = max(value, ANSWER_AFTER_QUESTION * asked)
            asked = scorer.match(sentence, passage.context) if introduces(sentence) else 0.0
            if value <= 0:
                continue  # meets none of the question's words: never quoted
            value = (value + PASSAGE_PRIOR * passage.share) * place_fit(passage, sentence, places)
            if best is None or value > best.score:
                best = Quote(rank, chunk_id, start, end, sentence, value)
        if best is not None:
            quotes.append(best)
    return quotes


def short_answer(quotes: Sequence[Quote]) -> tuple[Quote, ...]:
    """One or two sentences: the best quote, and the runner-up if it scores nearly as well.

    Only the best `SHORT_ANSWER_DEPTH` passages are quoted, however many are shown."""
    best_passages = sorted(quotes, key=lambda q: q.rank)[:SHORT_ANSWER_DEPTH]
    ranked = sorted(best_passages, key=lambda q: (-q.score, q.rank))
    if not ranked or ranked[0].score <= 0:
        return ()
    best = ranked[0]
    if len(ranked) > 1 and ranked[1].score >= SECOND_SHARE * best.score:
        return (best, ranked[1])
    return (best,)
