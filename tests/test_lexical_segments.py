"""BM25 over segments: equal to bm25s over the same passages, and exactly equal to one
segment over the live passages however the passages are split, deleted or merged."""

from __future__ import annotations

import json
from pathlib import Path

import bm25s
import numpy as np
import pytest

from base.settings import ROOT
from index.analyze import ANALYZER
from index.lexical import LexicalIndex, LexicalSegment

QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
][:40]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[i : i + 700] for i in range(0, len(text), 500)]
    return out + ["", "og i"]  # an empty passage and one of stop words only


def test_scores_equal_bm25s(texts: list[str]) -> None:
    terms = [ANALYZER.words(t) for t in texts]
    words, grams = bm25s.BM25(), bm25s.BM25()
    words.index(terms, show_progress=False)
    grams.index([ANALYZER.ngrams(t) for t in terms], show_progress=False)
    lex = LexicalIndex.build(range(len(texts)), texts)
    for q in QUESTIONS:
        t = ANALYZER.words(q)
        got_words, got_grams = lex.scores(q)
        np.testing.assert_allclose(got_words, words.get_scores(t), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_grams, grams.get_scores(ANALYZER.ngrams(t)), rtol=1e-5)
        for term in t:
            col = words.vocab_dict.get(term)
            want = 0 if col is None else int(np.diff(words.scores["indptr"])[col])
            assert lex.doc_freq(term) == want


def test_segments_with_deletions_equal_one_segment_of_the_live_rows(texts: list[str]) -> None:
    rng = np.random.default_rng(0)
    ids = np.arange(len(texts)) + 1000
    cuts = [0, 7, len(texts) // 2, len(texts)]
    segments = [LexicalSegment.build(ids[a:b], texts[a:b]) for a, b in zip(cuts, cuts[1:])]
    live = [rng.random(len(s.ids)) > 0.25 for s in segments]
    split = LexicalIndex(segments, live)
    keep = np.concatenate([s.ids[m] for s, m in zip(segments, live)])
    one = LexicalIndex.build(keep, [texts[i - 1000] for i in keep])
    merged = LexicalIndex([LexicalSegment.merge(list(zip(segments, live)))])
    assert split.ids.tolist() == one.ids.tolist() == merged.ids.tolist()
    for q in QUESTIONS:
        for index in (split, merged):
            for x, y in zip(index.scores(q), one.scores(q), strict=True):
                assert np.array_equal(x, y)
        for term in ANALYZER.words(q):
            assert split.doc_freq(term) == one.doc_freq(term)  # live passages only


def test_row_order_permutes_rows_not_scores(texts: list[str]) -> None:
    lex = LexicalIndex.build(range(len(texts)), texts)
    order = np.random.default_rng(1).permutation(len(texts))
    permuted = LexicalIndex(lex.segments, order=order)
    for q in QUESTIONS[:5]:
        assert np.array_equal(permuted.scores(q)[0][order], lex.scores(q)[0])
    assert np.array_equal(permuted.ids[order], lex.ids)


def test_save_and_load_round_trip(tmp_path: Path, texts: list[str]) -> None:
    a = LexicalSegment.build(range(10), texts[:10])
    b = LexicalSegment.build(range(10, 20), texts[10:20])
    lex = LexicalIndex([a, b], [None, np.arange(10) % 2 == 0])
    lex.save(tmp_path / "lex")
    back = LexicalIndex.load(tmp_path / "lex")
    assert back.ids.tolist() == lex.ids.tolist()
    for q in QUESTIONS[:5]:
        assert all(np.array_equal(x, y) for x, y in zip(back.scores(q), lex.scores(q)))


def test_empty_index_scores_nothing() -> None:
    lex = LexicalIndex.build([], [])
    assert lex.scores("digital ledelse")[0].shape == (0,)
    assert lex.doc_freq("digital") == 0
