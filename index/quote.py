"""Quotes: the sentences of the retrieved passages that best answer the question.

No text is generated: a quote is a span of a passage, word for word. Each
passage gets its best sentence (marked in its card), and the one or two best
sentences over the shown passages make the short answer ("Kort svar").

A sentence is scored by the question's content words it contains, each
weighted by its rarity in the index (IDF, as BM25 weighs them), with partial
credit for shared character n-grams, so that inflections and compounds count
("lederforløb" in "lederudviklingsforløbet"), plus a small prior for the
passage's own rank in the fused ranking. Words that no passage contains are
left out: they cannot be quoted, and would only dilute the others.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.analyze import ngrams, words

#: Abbreviations after which a full stop does not end a Danish sentence.
_ABBREVIATIONS = frozenset(
    "fx f.eks eks bl.a ca jf nr kr mv m.v osv dvs evt inkl ekskl mht pga st dr hhv vha "
    "ift iflg mm m.m s sek min tlf".split()
)
_BOUNDARY = re.compile(r"(?<=[.!?…:])\s+(?=[\"»“(\[]?[A-ZÆØÅ0-9])|\n\s*\n|\n(?=\s*[-•*–]\s)|\n")
_ABBREV_END = re.compile(r"(\w[\w.]*)\.$")
#: Sentences shorter than this are headings or fragments: they rarely answer alone.
MIN_CHARS = 25
#: Weight of whole-word matches against n-gram matches.
WORD_SHARE = 0.7
#: How much a question word counts when the passage's header already has it.
CONTEXT_SHARE = 0.3
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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace trimmed, abbreviations respected."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()]
        abbrev = _ABBREV_END.search(before)
        if abbrev and abbrev.group(1).lower() in _ABBREVIATIONS and "\n" not in match.group():
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for lo, hi in spans:
        piece = text[lo:hi]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            out.append((lo + lead, lo + trail))
    return out


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?")


class SentenceScorer:
    """Scores sentences against one question, with term weights from the index."""

    def __init__(self, question: str, doc_freq: Callable[[str], int], n_docs: int) -> None:
        terms = dict.fromkeys(words(question))
        self.weights = {
            t: math.log(1 + n_docs / (1 + df)) for t in terms if (df := doc_freq(t)) > 0
        }
        self.grams = set(ngrams(list(self.weights)))
        self.total = sum(self.weights.values())

    def match(self, sentence: str, context: frozenset[str] = frozenset()) -> float:
        """0..1: how much of the question's (weighted) words and word parts the sentence has.

        Words in `context` (the terms of the passage's title, section and municipalities)
        count for `CONTEXT_SHARE` only: the passage is already about them, so the sentence
        that answers is the one with the question's other words.
        """
        if not self.total:
            return 0.0
        terms = set(words(sentence))
        weights = {t: w * (CONTEXT_SHARE if t in context else 1.0) for t, w in self.weights.items()}
        total = sum(weights.values()) or 1.0
        word_part = sum(w for t, w in weights.items() if t in terms) / total
        gram_part = len(self.grams & set(ngrams(list(terms)))) / len(self.grams)
        return WORD_SHARE * word_part + (1 - WORD_SHARE) * gram_part

    def score(self, sentence: str, context: frozenset[str] = frozenset()) -> float:
        """`match`, halved for headings, fragments and questions, which rarely answer."""
        value = self.match(sentence, context)
        if len(sentence) < MIN_CHARS or _is_question(sentence):
            value *= 0.5
        return value

    def best(self, text: str, context: frozenset[str] = frozenset()) -> float:
        """The score of the best sentence of `text`."""
        return max((self.score(text[a:b], context) for a, b in sentence_spans(text)), default=0.0)


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
            if asked and not _is_question(sentence):
                # In an interview or FAQ the sentence after a matching question answers it.
                value = max(value, ANSWER_AFTER_QUESTION * asked)
            asked = scorer.match(sentence, passage.context) if _is_question(sentence) else 0.0
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
