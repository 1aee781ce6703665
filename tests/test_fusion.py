"""Fusion (index/fusion.py): convex and reciprocal rank fusion, and the strength label."""

from __future__ import annotations

import pytest

from answer.search import Searcher
from index.encoder import HashingEmbedder
from index.fusion import Fusion, convex, effective_rank, rrf, score_share, strength
from index.store import Snapshot


def test_convex_scales_each_list_and_weights_it() -> None:
    fusion = Fusion(dense=0.5, words=0.4, ngrams=0.1)
    dense = {1: 0.9, 2: 0.8, 3: 0.7}  # scaled from the lowest cosine read: 1, 0.5, 0
    words = {2: 10.0, 3: 5.0}  # scaled from BM25's floor 0: 1, 0.5
    grams = {3: 2.0}
    ranked = dict(convex(fusion, dense, words, grams))
    assert ranked[1] == pytest.approx(0.5)
    assert ranked[2] == pytest.approx(0.25 + 0.4)
    assert ranked[3] == pytest.approx(0.0 + 0.2 + 0.1)
    assert [cid for cid, _ in convex(fusion, dense, words, grams)] == [2, 1, 3]


def test_convex_of_a_passage_best_everywhere_is_the_weight_total() -> None:
    fusion = Fusion()
    (cid, score), *_ = convex(fusion, {7: 0.9, 8: 0.1}, {7: 3.0}, {7: 1.0})
    assert cid == 7 and score == pytest.approx(fusion.total)
    assert score_share(score, fusion) == pytest.approx(1.0)


def test_rrf_sums_weighted_reciprocal_ranks_and_breaks_ties_by_id() -> None:
    fusion = Fusion(method="rrf", dense=1.0, words=1.0, ngrams=0.0, k=60)
    ranked = rrf(fusion, [5, 6], [6, 5], [])
    assert ranked == [(5, pytest.approx(1 / 61 + 1 / 62)), (6, pytest.approx(1 / 62 + 1 / 61))]
    assert effective_rank(ranked[0][1], fusion) == pytest.approx(2 / ranked[0][1] - 60)


def test_strength_levels() -> None:
    convex_fusion = Fusion()
    levels = [strength(s * convex_fusion.total, 1, convex_fusion).level for s in (0.9, 0.7, 0.5)]
    assert levels == ["high", "mid", "low"]
    rrf_fusion = Fusion(method="rrf")
    top = rrf_fusion.total / (rrf_fusion.k + 1)
    assert strength(top, 1, rrf_fusion).level == "high"
    assert strength(0.0, 1, rrf_fusion).level == "low"
    assert [strength(0.0, r, None).level for r in (3, 4, 11)] == ["high", "mid", "low"]


def test_rrf_hybrid_score_is_reciprocal_rank_fusion(searcher: Searcher) -> None:
    query = "fælles sprog og mindset for ledere"
    searcher = Searcher(searcher.snapshot, searcher.embedder, fusion=Fusion(method="rrf"))
    fusion = searcher.fusion
    dense, _ = searcher._dense(searcher.embedder.embed_queries([query]), None)
    words, grams = searcher._lexical(query, None)
    assert dense and words[0] and grams[0]
    expected: dict[int, float] = {}
    for order, weight in (
        (dense, fusion.dense),
        (words[0], fusion.words),
        (grams[0], fusion.ngrams),
    ):
        for rank, cid in enumerate(order, start=1):
            expected[cid] = expected.get(cid, 0.0) + weight / (fusion.k + rank)
    best = sorted(expected.items(), key=lambda p: (-p[1], p[0]))[:5]
    hits = searcher.search(query, k=5, mode="hybrid").hits
    assert [(h.chunk.chunk_id, pytest.approx(h.score)) for h in hits] == best


def test_hybrid_with_only_the_dense_weight_is_the_dense_ranking(snapshot: Snapshot) -> None:
    query = "temadag governance workshop"
    only_dense = Searcher(snapshot, HashingEmbedder(), fusion=Fusion(words=0.0, ngrams=0.0))
    dense = Searcher(snapshot, HashingEmbedder()).search(query, k=5, mode="dense")
    fused = only_dense.search(query, k=5, mode="hybrid")
    # The rankings, before the verdict: hybrid is decided by the answer model, dense by the rule.
    ranked = [h.chunk.chunk_id for h in fused.candidates[:5]]
    assert ranked and ranked == [h.chunk.chunk_id for h in dense.candidates[:5]]
