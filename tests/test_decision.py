"""The decision (answer/decision.py): three verdicts, their reasons, per-model thresholds,
the build-time calibration (answer/calibrate.py) and what a search result carries."""

from __future__ import annotations

import pytest

from answer.answer_type import MONEY, NUMBER, TIME, expected_type, holds
from answer.calibrate import Calibration, Levels
from answer.decision import (
    ANSWER,
    CALIBRATED,
    KEYWORDS_ONLY,
    NEAREST,
    NONE,
    AbstainRule,
    Evidence,
    rule_for_model,
)
from answer.search import Searcher
from base.settings import DEFAULT_MODEL, Settings
from casechat.wording import DETAIL_NOTE, NEAREST_NOTE, notices
from index.store import load_snapshot

FAR = (0.83, 0.80)  # (best cosine, domain cosine) at or below which a question is far


def _ev(top=0.95, coverage=1.0, english=False, **kw) -> Evidence:
    return Evidence(top, coverage, english=english, **kw)


def test_thresholds_are_stored_per_model() -> None:
    assert rule_for_model(DEFAULT_MODEL) is CALIBRATED[DEFAULT_MODEL]
    assert rule_for_model(DEFAULT_MODEL).min_dense == pytest.approx(0.78)
    # A model without calibrated cosines is judged on keyword evidence alone.
    other = rule_for_model("intfloat/multilingual-e5-base")
    assert other is KEYWORDS_ONLY
    assert other.reason("hybrid", Evidence(-0.5, 1.0, english=False)) == ""
    assert other.reason("hybrid", Evidence(0.99, 0.0, english=False)) == "weak"


def test_far_from_the_corpus_is_none_only_when_both_cosines_are_low() -> None:
    rule = AbstainRule()
    far = rule.decide("hybrid", _ev(0.80, 0.1, domain=0.76, known_share=0.2), far_below=FAR)
    assert (far.verdict, far.reason, far.abstained) == (NONE, "offtopic", True)
    # about the corpus' subject (domain above), though no passage is close: nearest
    near = rule.decide("hybrid", _ev(0.80, 0.1, domain=0.82, known_share=0.2), far_below=FAR)
    assert near.verdict == NEAREST
    # most of the question's words are in the index: never "none" for a Danish question,
    # however low its cosines (short keyword questions embed far from everything)
    worded = rule.decide("hybrid", _ev(0.80, 0.1, domain=0.76, known_share=0.6), far_below=FAR)
    assert worded.verdict == NEAREST
    # far cosines are never a confident answer, even when the words are in the passages
    covered = rule.decide("hybrid", _ev(0.80, 0.9, domain=0.76, known_share=0.9), far_below=FAR)
    assert (covered.verdict, covered.reason) == (NEAREST, "weak")
    # an English question is judged by its cosines alone
    english = rule.decide("hybrid", _ev(0.80, 0.9, english=True, domain=0.76), far_below=FAR)
    assert english.verdict == NONE


def test_without_calibration_the_models_fixed_floor_decides() -> None:
    rule = AbstainRule()
    assert rule.decide("hybrid", _ev(0.70, 1.0)).reason == "far"
    assert rule.decide("hybrid", _ev(0.95, 1.0)).verdict == ANSWER
    empty = rule.decide("hybrid", _ev(), ranked=False)
    assert (empty.verdict, empty.reason) == (NONE, "nothing")


def test_an_unknown_name_beside_a_known_subject_is_a_note_not_a_refusal() -> None:
    rule = AbstainRule()
    vejle = _ev(0.9, 0.45, unknown=("Vejle",), coverage_rest=0.6, anchored=True)
    assert (rule.decide("hybrid", vejle).verdict, rule.decide("hybrid", vejle).reason) == (
        ANSWER,
        "names",
    )
    # the unknown name is the subject ("Hvordan har Esbjerg ..."): only the nearest
    esbjerg = _ev(0.9, 0.45, unknown=("Esbjerg",), coverage_rest=0.6, anchored=False)
    assert rule.decide("hybrid", esbjerg).verdict == NEAREST
    # a known subject, but the rest of the question is not covered either
    thin = _ev(0.9, 0.1, unknown=("Vejle",), coverage_rest=0.1, anchored=True)
    assert rule.decide("hybrid", thin).verdict == NEAREST


def test_weak_keywords_and_a_missing_detail_make_the_passages_the_nearest() -> None:
    rule = AbstainRule()
    assert rule.decide("hybrid", _ev(0.82, 0.1)).reason == "weak"
    assert rule.decide("hybrid", _ev(0.90, 0.1)).verdict == ANSWER  # confident cosine
    detail = rule.decide("hybrid", _ev(0.90, 0.8, detail_missing=True))
    assert (detail.verdict, detail.reason) == (NEAREST, "detail")
    assert rule.decide("bm25", _ev(0.0, 0.1)).verdict == NEAREST


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hvor mange ledere deltog?", NUMBER),
        ("hvor mange borgere brugte appen", NUMBER),
        ("Hvad kostede forløbet?", MONEY),
        ("How much did it cost?", MONEY),
        ("Hvornår startede projektet?", TIME),
        ("hvornaar startede det", TIME),
        ("When did Odense start?", TIME),
        ("What should managers do when employees object?", None),
        ("Hvordan arbejder Viborg med ledelse?", None),
    ],
)
def test_the_expected_answer_type_of_a_question(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


def test_which_texts_hold_an_answer_of_a_type() -> None:
    assert holds("godt 200 personaleledere", NUMBER)
    assert holds("et par dusin borgere", NUMBER)
    assert not holds("mange ledere deltog", NUMBER)
    assert holds("Prisen er 2.175 kr. + moms", MONEY) and not holds("det var dyrt", MONEY)
    assert holds("i efteråret 2016", TIME) and not holds("senere på dagen", TIME)


def test_calibration_thresholds_lie_between_the_two_reference_groups() -> None:
    calibration = Calibration(
        sample_ids=(1, 2),
        inside=Levels(top=0.87, domain=0.84),
        far={"da": Levels(top=0.79, domain=0.77), "en": Levels(top=0.76, domain=0.73)},
    )
    top, domain = calibration.none_below(english=False)
    assert top == pytest.approx(0.83) and domain == pytest.approx(0.805)
    top_en, domain_en = calibration.none_below(english=True)
    assert top_en == pytest.approx(0.80) and domain_en == pytest.approx(0.765)
    assert Calibration.from_dict(calibration.to_dict()) == calibration
    assert Calibration.from_dict({}) is None
    assert Calibration.from_dict({**calibration.to_dict(), "version": 0}) is None


def test_a_build_stores_its_calibration_in_the_manifest(built: Settings) -> None:
    manifest = load_snapshot(built.index_dir).manifest
    calibration = Calibration.from_dict(manifest.calibration)
    assert calibration is not None and len(calibration.sample_ids) > 10
    assert calibration.inside.n > 10 and set(calibration.far) == {"da", "en"}


def test_a_search_result_carries_its_decision_and_evidence(searcher: Searcher) -> None:
    result = searcher.search("Hvordan bruger Aarhus kaffemaskinen?")
    assert result.decision.reason == "names" and result.verdict in (NEAREST, NONE)
    assert result.evidence.unknown == ("Aarhus",)
    assert result.candidates


def test_the_wording_is_made_at_the_edge(searcher: Searcher) -> None:
    result = searcher.search("Hvordan bruger Aarhus kaffemaskinen?")
    if result.verdict == NEAREST:
        assert notices(result).startswith("Casene nævner ikke »Aarhus« – ")
    long = searcher.search("digitalisering " * 200)
    assert notices(long).startswith(
        f"Spørgsmålet var meget langt; der er søgt på de første {len(long.query)} tegn."
    )
    assert DETAIL_NOTE != NEAREST_NOTE
