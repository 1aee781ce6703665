"""The honest protocol (issue 18 item 7): question sets split into a development and a
frozen test part, no question-fitted probes, a table of contents recognised by its form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ingest.clean import clean
from tools.evaluation import load_questions
from tools.evaluation.report import Outcome, Report

ROOT = Path(__file__).parents[1]
SETS = [
    "eval/questions.jsonl",
    "eval/debian-edu/questions.jsonl",
    "eval/offtopic/questions.jsonl",
    "eval/near/questions.jsonl",
]


@pytest.mark.parametrize("name", SETS)
def test_every_question_set_is_split_into_dev_and_frozen_test(name: str) -> None:
    questions = load_questions(ROOT / name)
    splits = {q.split for q in questions}
    assert splits == {"dev", "test"}
    for kind in {q.kind for q in questions}:
        group = [q for q in questions if q.kind == kind]
        if len(group) >= 4:  # each kind is on both sides
            assert {q.split for q in group} == {"dev", "test"}, kind


def test_the_new_sets_are_unanswerable_in_both_languages() -> None:
    for name, kind in (("offtopic", "offtopic"), ("near", "near_unanswerable")):
        rows = [json.loads(line) for line in (ROOT / "eval" / name / "questions.jsonl").open()]
        assert rows and all(r["unanswerable"] and r["kind"] == kind for r in rows)
        assert {r["lang"] for r in rows} == {"da", "en"}
        for split in ("dev", "test"):
            assert {r["lang"] for r in rows if r["split"] == split} == {"da", "en"}


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_no_evaluation_question_is_in_the_model_training_text() -> None:
    """The vendored other-domain sentences share no run of 5 words with any question."""
    vendored = [
        _words(line)
        for lang in ("da", "en")
        for line in (ROOT / "answer" / "data" / f"other_{lang}.txt").open(encoding="utf-8")
    ]
    grams = {tuple(w[i : i + 5]) for w in vendored for i in range(len(w) - 4)}
    for name in SETS:
        for q in load_questions(ROOT / name):
            w = _words(q.question)
            assert not any(tuple(w[i : i + 5]) in grams for i in range(len(w) - 4)), q.id
    assert not list((ROOT / "answer" / "data").glob("*probe*"))
    assert not list((ROOT / "index" / "data").glob("*probe*"))


def test_a_table_of_contents_is_dropped_by_its_form_not_its_markup() -> None:
    raw = (
        "# Rapport\n\nIndhold\n\n1. Indledning 1\n2. Sådan gjorde vi 4\n3. Erfaringer 9\n\n"
        "1. Indledning\n\nVi startede i 2019 med 3 workshops.\n\n"
        "Trin 1. Vi samlede ledere 12\nTrin 2. Vi lavede en plan\n\n"
        "Indledning ........ 1\nMetode ........ 3\n"
    )
    text = clean(raw).text
    assert "Sådan gjorde vi 4" not in text and "Metode" not in text
    assert "Vi startede i 2019 med 3 workshops." in text
    assert "Vi lavede en plan" in text  # a numbered list whose lines do not all end in pages


def test_eval_reports_the_dev_and_test_parts_apart() -> None:
    outcomes = [
        Outcome("a", "paraphrase", False, True, 1, False, 1.0, "answer", split="dev"),
        Outcome("b", "paraphrase", False, True, 2, False, 1.0, "nearest", split="test"),
        Outcome("u", "offtopic", True, False, None, True, 1.0, "none", split="test"),
        Outcome("v", "offtopic", True, False, None, False, 1.0, "answer", split="dev"),
    ]
    splits = Report("hybrid", 10, {}, outcomes).splits()
    assert set(splits) == {"dev", "test"}
    assert splits["dev"]["confident_answerable"] == 1.0
    assert splits["test"]["confident_answerable"] == 0.0
    assert splits["test"]["mrr@10"] == 0.5
    assert splits["test"]["none_unanswerable"] == 1.0
    assert splits["dev"]["answer_unanswerable"] == 1.0
    assert splits["dev"]["by_kind"]["offtopic"]["answer_unanswerable"] == 1.0
