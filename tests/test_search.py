"""Search: FAISS against numpy brute force, keyword search, fusion, filters, bad questions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HADERSLEV, HERNING, KL_REPORT

from answer.decision import AbstainRule
from answer.search import MAX_QUERY_CHARS, Searcher, clean_query
from base.errors import QueryError
from index.encoder import HashingEmbedder
from index.store import Snapshot

QUERIES = [
    "Hvad er et velfærdsteknologisk CV?",
    "digital ledelse for alle ledere i to kommuner",
    "Haderslev transformationsteam dedikerede medarbejdere",
    "temadag it-strategi Ringkøbing-Skjern",
    "aktionslæring",
    "xyzzy",
]


def brute_force(snapshot: Snapshot, query: str, allowed=None) -> list[tuple[int, float]]:
    """Every stored chunk ranked by inner product with the query, in plain numpy."""
    ids, vectors = snapshot.all_vectors()
    q = HashingEmbedder().embed_queries([query])[0]
    scores = vectors @ q
    pairs = [(int(i), float(s)) for i, s in zip(ids, scores, strict=True)]
    if allowed is not None:
        pairs = [p for p in pairs if allowed(snapshot.chunks[p[0]])]
    return sorted(pairs, key=lambda p: -p[1])


def assert_same_ranking(got: list[tuple[int, float]], ranking: list[tuple[int, float]]) -> None:
    """`got` is the top of `ranking`: same scores in order, same ids up to ties."""
    want = ranking[: len(got)]
    assert len(got) == len(want) > 0
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5, atol=1e-6)
    for (gid, _), (_, ws) in zip(got, want, strict=True):
        tied = {cid for cid, s in ranking if abs(s - ws) < 1e-6}
        assert gid in tied
    assert len({cid for cid, _ in got}) == len(got)


def never_abstain(snapshot: Snapshot) -> Searcher:
    rule = AbstainRule(min_dense=-2.0, confident_dense=-2.0, min_coverage=0.0, offtopic=False)
    return Searcher(snapshot, HashingEmbedder(), rule=rule)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("k", [1, 5, 20])
def test_dense_search_equals_numpy_brute_force(snapshot: Snapshot, query: str, k: int) -> None:
    result = never_abstain(snapshot).search(query, k=k, mode="dense")
    got = [(h.chunk.chunk_id, h.score) for h in result.hits]
    ranking = brute_force(snapshot, query)
    assert_same_ranking(got, ranking)
    # not a vacuous check: the ranking has distinct scores at the top
    assert len({round(s, 6) for _, s in ranking[:k]}) > 1 or k == 1
    for h in result.hits:
        assert h.dense == pytest.approx(h.score)


def test_raw_faiss_over_all_vectors_equals_numpy(snapshot: Snapshot) -> None:
    ids, vectors = snapshot.all_vectors()
    assert len(ids) == len(snapshot.chunks) and set(map(int, ids)) == set(snapshot.chunks)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    queries = HashingEmbedder().embed_queries(QUERIES)
    scores, found = snapshot.vectors.search(queries, len(ids))
    exact = queries @ vectors.T
    for row in range(len(QUERIES)):
        order = np.argsort(-exact[row], kind="stable")
        np.testing.assert_allclose(scores[row], exact[row][order], rtol=1e-5, atol=1e-6)
        # every returned id has the score numpy gives it
        by_id = dict(zip(map(int, ids), exact[row], strict=True))
        for cid, score in zip(found[row], scores[row], strict=True):
            assert by_id[int(cid)] == pytest.approx(float(score), abs=1e-5)


def test_dense_search_with_source_filter_equals_brute_force(searcher: Searcher) -> None:
    query = "digital transformation og ledelse"
    result = searcher.search(query, k=8, mode="dense", sources={HADERSLEV})
    got = [(h.chunk.chunk_id, h.score) for h in result.hits]
    ranking = brute_force(searcher.snapshot, query, allowed=lambda c: c.source == HADERSLEV)
    assert_same_ranking(got, ranking)
    assert len(got) == 8


def test_hits_are_ordered_ranked_and_complete(searcher: Searcher) -> None:
    for mode in ("dense", "bm25", "hybrid"):
        result = searcher.search("digitale kompetencer hos medarbejderne", k=7, mode=mode)
        assert not result.abstained
        scores = [h.score for h in result.hits]
        assert scores == sorted(scores, reverse=True), mode
        assert [h.rank for h in result.hits] == list(range(1, 8))
        for h in result.hits:
            assert h.document.source == h.chunk.source
            assert h.document.text[h.chunk.start : h.chunk.end] == h.chunk.text


def test_bm25_finds_a_rare_word(searcher: Searcher) -> None:
    hit = searcher.search("DISIMIT", k=1, mode="bm25").hits[0]
    assert hit.chunk.source == HERNING and "DISIMIT" in hit.chunk.text


def test_bm25_matches_danish_letters_written_without_them(searcher: Searcher) -> None:
    with_letters = searcher.search("velfærdsteknologiske CV'er", k=3, mode="bm25")
    without = searcher.search("velfaerdsteknologiske CV'er", k=3, mode="bm25")
    assert [h.chunk.chunk_id for h in without.hits] == [h.chunk.chunk_id for h in with_letters.hits]
    assert with_letters.hits[0].chunk.source == KL_REPORT


def test_municipality_filter(searcher: Searcher) -> None:
    for mode in ("dense", "bm25", "hybrid"):
        result = searcher.search("digitale kompetencer", k=10, mode=mode, municipalities={"Odense"})
        assert result.hits, mode
        assert all("Odense" in h.chunk.municipalities for h in result.hits)
    assert "København" in searcher.municipalities()


def test_source_filter(searcher: Searcher) -> None:
    result = searcher.search("digital ledelse", k=10, mode="hybrid", sources={HERNING})
    assert result.hits and all(h.chunk.source == HERNING for h in result.hits)


def test_question_with_no_evidence_abstains(searcher: Searcher) -> None:
    result = searcher.search("xyzzy plugh quux", k=3)
    assert result.abstained and result.hits == []


def test_question_with_evidence_does_not_abstain(searcher: Searcher) -> None:
    result = searcher.search("Hvad er et velfærdsteknologisk CV?", k=3)
    assert not result.abstained and result.hits


@pytest.mark.parametrize("bad", ["", "   ", "\n\t", "?!…", "\u200b\u200b"])
def test_empty_or_wordless_question_is_a_query_error(searcher: Searcher, bad: str) -> None:
    with pytest.raises(QueryError):
        searcher.search(bad)


def test_unknown_mode_is_a_query_error(searcher: Searcher) -> None:
    with pytest.raises(QueryError, match="hybrid, dense, bm25"):
        searcher.search("digital ledelse", mode="semantic")


def test_long_question_is_cut_and_says_so() -> None:
    text, cut = clean_query("digitalisering " * 200)
    assert len(text) <= MAX_QUERY_CHARS and not text.endswith(" ")
    assert cut
    assert clean_query("  Hvad\x00 er\u200b  VTCV?\n") == ("Hvad er VTCV?", False)


def test_search_does_not_reembed_documents(snapshot: Snapshot) -> None:
    embedder = HashingEmbedder()
    Searcher(snapshot, embedder).search("digital ledelse", k=3)
    assert embedder.documents_seen == []
    assert embedder.queries_seen == ["digital ledelse"]
