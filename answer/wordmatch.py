"""How well a sentence or passage meets a question, word by word (index/lemma.py).

A question word meets a text when they share a dictionary form ("medarbejderne"
and "medarbejdere"), and half when one is the last part of a compound in the
other ("udvikling" in "ledelsesudviklingen"). Each question word weighs its
rarity in the index (IDF of its keyword term, as BM25 weighs it); words that no
passage contains are left out: they cannot be met, and would only dilute the
others. Character n-grams of the dictionary forms add partial credit for
compounds, but only to a text that meets at least one question word as a word:
a sentence whose words do not meet the question scores 0 and is never quoted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from index.analyze import ngrams, words
from index.lemma import Word, text_words

#: Weight of whole-word matches against n-gram matches.
WORD_SHARE = 0.7
#: How much a question word counts when the passage's header already has it.
CONTEXT_SHARE = 0.3
#: How much a compound's last part counts as a match of the whole word.
HEAD_SHARE = 0.5


@dataclass(frozen=True)
class QuestionWord:
    """A content word of the question: its keyword term, dictionary forms and weight."""

    term: str
    forms: frozenset[str]
    heads: frozenset[str]
    weight: float


@dataclass(frozen=True)
class TextForms:
    """The dictionary forms (and compound heads) of the content words of a text."""

    forms: frozenset[str]
    heads: frozenset[str]

    @classmethod
    def of(cls, text: str) -> TextForms:
        return _forms_of(text)

    @classmethod
    def of_forms(cls, parts: Iterable[TextForms]) -> TextForms:
        parts = list(parts)
        return cls(
            frozenset(f for p in parts for f in p.forms),
            frozenset(h for p in parts for h in p.heads),
        )

    @classmethod
    def of_words(cls, found: Iterable[Word]) -> TextForms:
        return cls.of_forms(cls(w.forms, w.heads) for w in found)


@lru_cache(maxsize=50_000)
def _forms_of(text: str) -> TextForms:
    """The forms of a text, kept: the same passages' sentences come back question after
    question."""
    return TextForms.of_words(text_words(text))


def strength(word: QuestionWord | Word, text: TextForms) -> float:
    """1 when the word's dictionary form is in the text, HEAD_SHARE when only a compound's
    last part matches (either way round), else 0."""
    if word.forms & text.forms:
        return 1.0
    if word.forms & text.heads or word.heads & text.forms:
        return HEAD_SHARE
    return 0.0


class QuestionWords:
    """The question's content words, weighted by their rarity in one index."""

    def __init__(self, question: str, doc_freq: Callable[[str], int], n_docs: int) -> None:
        found: dict[frozenset[str], QuestionWord] = {}
        for word in text_words(question):
            token = question[word.start : word.end]
            terms = words(token) or [token.lower()]
            df = doc_freq(terms[0])
            if df > 0 and word.forms not in found:
                weight = math.log(1 + n_docs / (1 + df))
                found[word.forms] = QuestionWord(terms[0], word.forms, word.heads, weight)
        self.words = list(found.values())
        self.total = sum(w.weight for w in self.words)
        self.grams = set(ngrams(sorted({f for w in self.words for f in w.forms})))

    def weights(self, context: TextForms | None = None) -> list[float]:
        """Each word's weight, CONTEXT_SHARE of it for a word the header already has."""
        if context is None:
            return [w.weight for w in self.words]
        return [w.weight * (CONTEXT_SHARE if strength(w, context) else 1.0) for w in self.words]

    def word_share(self, text: TextForms, context: TextForms | None = None) -> float:
        """0..1: the weighted share of the question's words that `text` meets."""
        weights = self.weights(context)
        total = sum(weights)
        if not total:
            return 0.0
        return (
            sum(wt * strength(w, text) for w, wt in zip(self.words, weights, strict=True)) / total
        )

    def match(self, text: str, context: TextForms | None = None) -> float:
        """0..1: how much of the question's words (and word parts) `text` has; 0 when it
        meets none of them as a word."""
        if not self.total:
            return 0.0
        forms = TextForms.of(text)
        word_part = self.word_share(forms, context)
        if word_part <= 0:
            return 0.0
        grams = set(ngrams(sorted(forms.forms)))
        gram_part = len(self.grams & grams) / len(self.grams) if self.grams else 0.0
        return WORD_SHARE * word_part + (1 - WORD_SHARE) * gram_part
