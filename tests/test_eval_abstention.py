"""The abstention rule's parts, as the evaluation counts them: English, names, evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_tiny import make_tiny, searcher

from answer.decision import AbstainRule, Evidence
from base.settings import Settings
from casechat.wording import notices
from index.analyze import looks_english, names


def test_english_questions_are_told_from_danish_ones() -> None:
    assert looks_english("What does Viborg advise about being honest about digital challenges?")
    assert looks_english("How did Odense make sure that participants showed up?")
    assert not looks_english("Hvad gjorde Viborg anderledes end normalt?")
    assert not looks_english("it-agenter teknologiambassadører borgere")  # Danish "it"
    assert not looks_english("governance workshop Weill and Ross")  # one English word


def test_names_are_capitalized_words_inside_a_sentence_and_acronyms() -> None:
    assert names("Hvordan har Aarhus Kommune brugt ChatGPT?") == ["Aarhus", "Kommune", "ChatGPT"]
    assert names("GDPR og cloud") == ["GDPR"]
    assert names("hvad var den braendende platform for haderslev") == []
    assert names("Tak for svaret. Hvad gjorde Viborg? Og Herning") == ["Viborg", "Herning"]


def test_rule_abstains_on_unknown_names_only_for_danish_questions() -> None:
    rule = AbstainRule(min_dense=0.78, confident_dense=0.86, min_coverage=0.25)
    sure = dict(dense_top=0.95, coverage=1.0)
    assert rule.reason("hybrid", Evidence(**sure, english=False, unknown=("Aarhus",))) == "names"
    assert rule.reason("hybrid", Evidence(**sure, english=True, unknown=("Copenhagen",))) == ""
    off = AbstainRule(unknown_names=False)
    assert off.reason("hybrid", Evidence(**sure, english=False, unknown=("Aarhus",))) == ""


def test_rule_weighs_cosine_and_keyword_evidence() -> None:
    rule = AbstainRule(min_dense=0.78, confident_dense=0.86, min_coverage=0.25)
    assert rule.reason("hybrid", Evidence(0.70, 1.0, english=False)) == "far"
    assert rule.reason("hybrid", Evidence(0.70, 0.0, english=True)) == "far"
    assert rule.reason("hybrid", Evidence(0.82, 0.10, english=False)) == "weak"
    assert rule.reason("hybrid", Evidence(0.82, 0.50, english=False)) == ""
    assert rule.reason("hybrid", Evidence(0.90, 0.10, english=False)) == ""  # confident cosine
    # English questions share no words with the text: the cosine alone decides.
    assert rule.reason("hybrid", Evidence(0.82, 0.0, english=True)) == ""
    # Keyword search has no cosine: only keyword evidence.
    assert rule.reason("bm25", Evidence(0.0, 0.10, english=False)) == "weak"
    assert rule.reason("bm25", Evidence(0.0, 0.50, english=False)) == ""


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    return make_tiny(tmp_path, monkeypatch)


def test_search_names_what_the_cases_never_mention(tiny) -> None:
    settings, _ = tiny
    result = searcher(settings).search("Hvordan bruger Aarhus kaffemaskinen i kantinen?")
    assert result.unknown == ("Aarhus",)
    # The name is the question's subject: the passages are shown as the nearest, with a note.
    assert result.verdict == "nearest" and result.decision.reason == "names"
    assert result.hits and result.candidates
    assert "Aarhus" in notices(result)
    assert searcher(settings).search("Hvordan bruger Kommunen kaffemaskinen?").unknown == ()
