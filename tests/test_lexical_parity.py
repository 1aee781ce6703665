"""The issue's quality mark for the change of keyword engine, on the whole search: with
Tantivy, the evaluation's top 10 are those of the BM25 it replaced (bm25s over the same
passages, tools/bench/lexical_parity.py) for at least 95 % of eval/questions.jsonl, and
every metric is within 0.005."""

from __future__ import annotations

import pytest

from answer.search import Searcher
from base.settings import ROOT
from tools.bench.lexical_parity import compare
from tools.evaluation.questions import load_questions

SAME_TOP10 = 0.95
METRIC_TOLERANCE = 0.005


@pytest.mark.parametrize("mode", ["hybrid", "bm25"])
def test_tantivy_keeps_the_top10_and_the_metrics(searcher: Searcher, mode: str) -> None:
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    parity = compare(searcher, questions, mode)
    assert parity.questions == len(questions) > 100
    assert parity.same_top10_share >= SAME_TOP10, parity
    assert parity.max_metric_diff <= METRIC_TOLERANCE, parity
