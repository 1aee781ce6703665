"""The answer/abstain decision (index/decision.py): reasons, per-model thresholds, results."""

from __future__ import annotations

import pytest

from base.settings import DEFAULT_MODEL, Settings
from casechat.wording import notices
from index.decision import (
    ANSWER,
    CALIBRATED,
    KEYWORDS_ONLY,
    NONE,
    AbstainRule,
    Evidence,
    rule_for_model,
)
from index.encoder import HashingEmbedder
from index.search import Searcher, open_searcher


@pytest.fixture
def searcher(built: Settings) -> Searcher:
    return open_searcher(built, HashingEmbedder())


def test_thresholds_are_stored_per_model() -> None:
    assert rule_for_model(DEFAULT_MODEL) is CALIBRATED[DEFAULT_MODEL]
    assert rule_for_model(DEFAULT_MODEL).min_dense == pytest.approx(0.78)
    # A model without calibrated cosines is judged on keyword evidence alone.
    other = rule_for_model("intfloat/multilingual-e5-base")
    assert other is KEYWORDS_ONLY
    assert other.reason("hybrid", Evidence(-0.5, 1.0, english=False)) == ""
    assert other.reason("hybrid", Evidence(0.99, 0.0, english=False)) == "weak"


def test_decide_gives_a_verdict_and_its_reason_code() -> None:
    rule = AbstainRule()
    sure = rule.decide("hybrid", Evidence(0.95, 1.0, english=False))
    assert (sure.verdict, sure.reason, sure.abstained) == (ANSWER, "", False)
    far = rule.decide("hybrid", Evidence(0.5, 1.0, english=False))
    assert (far.verdict, far.reason, far.abstained) == (NONE, "far", True)
    empty = rule.decide("hybrid", Evidence(0.95, 1.0, english=False), ranked=False)
    assert (empty.verdict, empty.reason) == (NONE, "nothing")


def test_a_search_result_carries_its_evidence_and_reason(searcher: Searcher) -> None:
    result = searcher.search("Hvordan bruger Aarhus kaffemaskinen?")
    assert result.abstained and result.decision.reason == "names"
    assert result.evidence.unknown == ("Aarhus",)
    assert result.candidates and result.hits == []


def test_the_wording_is_made_at_the_edge(searcher: Searcher) -> None:
    result = searcher.search("Hvordan bruger Aarhus kaffemaskinen?")
    assert notices(result) == "Casene nævner ikke »Aarhus«."
    long = searcher.search("digitalisering " * 200)
    assert (
        notices(long)
        == f"Spørgsmålet var meget langt; der er søgt på de første {len(long.query)} tegn."
    )
