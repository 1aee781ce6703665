"""Quotes: the sentences of the retrieved passages that best answer the question.

No text is generated: a quote is a span of a passage, word for word. Each
passage gets its best sentence (marked in its card), and the one or two best
sentences over the shown passages make the short answer ("Kort svar").

A sentence is scored by the question's content words it contains, each
weighted by its rarity in the index (IDF, as BM25 weighs them), with partial
credit for shared character n-grams, so that inflections and compounds count
(a compound meets its parts), plus a small prior for the
passage's own rank in the fused ranking. Words that no passage contains are
left out: they cannot be quoted, and would only dilute the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from index.sentences import SentenceScorer, is_question, sentence_spans

__all__ = [
    "Passage",
    "Quote",
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
    context: frozenset[str] = frozenset()


def best_sentences(scorer: SentenceScorer, passages: Sequence[Passage]) -> list[Quote]:
    """The best sentence of each passage."""
    quotes = []
    for passage in passages:
        rank, chunk_id, text = passage.rank, passage.chunk_id, passage.text
        best = None
        asked = 0.0  # how well the sentence before, if it was a question, matched
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            value = scorer.score(sentence, passage.context)
            if asked and not is_question(sentence):
                # In an interview or FAQ the sentence after a matching question answers it.
                value = max(value, ANSWER_AFTER_QUESTION * asked)
            asked = scorer.match(sentence, passage.context) if is_question(sentence) else 0.0
            value += PASSAGE_PRIOR * passage.share
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
