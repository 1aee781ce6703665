"""Bulk term and n-gram counts equal counting passage by passage (index/lexical_counts.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from index.analyze import ANALYZER, Analyzer
from index.lexical_counts import gram_counts, word_counts

TEXTS = [
    "Kommunen har brugt kunstig intelligens i 2023 og 2024 til sagsbehandling.",
    "Digitaliseringsstrategien: velfærd, velfaerd og velfard mødes i én stavemåde!",
    "1000000 1000 10 1 a b ab abc abcd aaaa 11111 x_y_z _a_ __",
    "",
    "Det er en tekst med kun stopord og så et ord: strategi strategi strategi.",
]


def _expected(texts: list[str], analyzer: Analyzer, query: str):
    stored = [" ".join(analyzer.words(t)) for t in texts]
    terms = list(dict.fromkeys(analyzer.words(query)))
    grams = list(dict.fromkeys(analyzer.ngrams(terms)))
    words = [Counter(s.split()) for s in stored]
    ngrams = [Counter(analyzer.ngrams(s.split())) for s in stored]
    return stored, terms, grams, words, ngrams


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("query", [TEXTS[0] + " " + TEXTS[2], TEXTS[1] + " strategi 1 10"])
def test_counts_equal_counter(n: int, query: str) -> None:
    analyzer = Analyzer(ngram=n)
    texts = TEXTS + [t.upper() for t in TEXTS] + [" ".join(TEXTS * 3)]
    stored, terms, grams, words, ngrams = _expected(texts, analyzer, query)
    assert grams and (n <= 3 or any(len(g) < n for g in grams))  # short terms too
    got = word_counts(stored, terms)
    assert np.array_equal(got, [[c[t] for t in terms] for c in words])
    got = gram_counts(stored, grams, n)
    want = np.array([[c[g] for g in grams] for c in ngrams], np.float32)
    assert np.array_equal(got, want)
    assert want.sum() > 0


def test_counts_of_nothing() -> None:
    assert word_counts([], ["a"]).shape == (0, 1)
    assert gram_counts(["abc def"], [], 4).shape == (1, 0)
    assert gram_counts([""], ["_ab_"], ANALYZER.ngram).tolist() == [[0.0]]


def test_counts_beyond_the_keyed_alphabet() -> None:
    """A question with thousands of distinct letters is counted passage by passage."""
    analyzer = Analyzer(ngram=6)
    letters = "".join(chr(0x4E00 + i) for i in range(2000))
    texts = [letters[i : i + 300] + " ab " + letters[i : i + 7] for i in range(0, 1800, 200)]
    stored, terms, grams, _, ngrams = _expected(texts, analyzer, " ".join(texts))
    want = np.array([[c[g] for g in grams] for c in ngrams], np.float32)
    assert np.array_equal(gram_counts(stored, grams, 6), want) and want.sum() > 0
