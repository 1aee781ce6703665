"""Evaluation metrics: snippet matching and ranking metrics with known values."""

from __future__ import annotations

import math

import pytest

from tools.evaluation.metrics import (
    answers_in,
    first_relevant_rank,
    normalize_text,
    ranking_metrics,
    relevant_ids,
)


def test_snippets_match_regardless_of_case_and_whitespace() -> None:
    text = "Kommunen  indførte en NY\nkaffemaskine\ti kantinen."
    assert answers_in(text, ["ny kaffemaskine i kantinen"])
    assert answers_in(text, ["intet her", "kommunen indførte"])
    assert not answers_in(text, ["ny kaffemaskine i rådhuset"])
    assert not answers_in(text, [])
    assert normalize_text("  A\n\n b  ") == "a b"


def test_relevant_ids_are_every_passage_with_a_snippet() -> None:
    passages = {1: "alfa beta gamma", 2: "beta  GAMMA delta", 3: "epsilon"}
    assert relevant_ids(passages, ["beta gamma"]) == {1, 2}
    assert relevant_ids(passages, ["epsilon", "nothing"]) == {3}
    assert relevant_ids(passages, ["zeta"]) == set()
    assert first_relevant_rank([3, 2, 1], {1, 2}) == 2
    assert first_relevant_rank([3], {1, 2}) is None


def test_ranking_metrics_have_the_known_values() -> None:
    relevant = {"a": {1}, "b": {2}, "c": {3}, "d": {4}}
    rankings = {
        "a": [1, 9, 8],  # rank 1
        "b": [9, 2, 8],  # rank 2
        "c": [9, 8, 7],  # not found
        "d": [9, 8, 7, 4],  # rank 4
    }
    m = ranking_metrics(relevant, rankings)
    assert m["recall@1"] == pytest.approx(1 / 4)
    assert m["recall@3"] == pytest.approx(2 / 4)
    assert m["recall@5"] == pytest.approx(3 / 4)
    assert m["recall@10"] == pytest.approx(3 / 4)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 2 + 0 + 1 / 4) / 4)
    ndcg = (1 + 1 / math.log2(3) + 0 + 1 / math.log2(5)) / 4
    assert m["ndcg@10"] == pytest.approx(ndcg)


def test_rank_two_gives_mrr_one_half_and_missing_ranking_counts_as_zero() -> None:
    assert ranking_metrics({"a": {5}}, {"a": [7, 5]})["mrr@10"] == pytest.approx(0.5)
    m = ranking_metrics({"a": {5}, "b": {6}}, {"a": [5]})  # "b" returned nothing
    assert m["mrr@10"] == pytest.approx(0.5)
    assert m["recall@10"] == pytest.approx(0.5)


def test_recall_is_hit_rate_when_several_passages_hold_the_answer() -> None:
    # Overlapping chunks can both hold the snippet; finding one is a hit.
    m = ranking_metrics({"a": {1, 2}}, {"a": [1, 9]})
    assert m["recall@1"] == 1.0
    assert m["ndcg@10"] < 1.0  # binary nDCG still wants both
