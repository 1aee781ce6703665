"""Sentences of a passage and how well each meets a question (IDF-weighted words and
word parts, index/analyze.py). The ranking re-scores its top by each passage's best
sentence (index/search.py); the answer layer quotes the best ones (answer/quote.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from index.analyze import ngrams, words
from ingest.document import Chunk

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


def is_question(sentence: str) -> bool:
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
        if len(sentence) < MIN_CHARS or is_question(sentence):
            value *= 0.5
        return value

    def best(self, text: str, context: frozenset[str] = frozenset()) -> float:
        """The score of the best sentence of `text`."""
        return max((self.score(text[a:b], context) for a, b in sentence_spans(text)), default=0.0)


def context_terms(chunk: Chunk) -> frozenset[str]:
    """The terms of a passage's header: what the whole passage is about."""
    return frozenset(words(" ".join([chunk.title, chunk.section, *chunk.municipalities])))
