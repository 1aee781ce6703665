"""evaluate(): ranks, abstention counts and JSON on stub rankings, a tiny index, the real set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from eval_tiny import make_tiny, searcher

from answer.build import build_index
from answer.decision import AbstainRule
from answer.search import Searcher
from base.settings import ROOT, Settings
from index.store import load_snapshot
from tools.evaluation import JSON_KEYS, Question, evaluate, load_questions

# --- evaluate() with a stub searcher whose rankings are known ---------------------------


@dataclass
class _Chunk:
    chunk_id: int
    text: str


@dataclass
class _Hit:
    chunk: _Chunk


@dataclass
class _Result:
    candidates: list[_Hit]
    abstained: bool
    short_answer: tuple = ()
    probability: float | None = None

    @property
    def verdict(self) -> str:
        return "none" if self.abstained else "answer"


class _StubSearcher:
    """Returns a fixed ranking and abstention per question text."""

    def __init__(self, texts: dict[int, str], plan: dict[str, tuple[list[int], bool]]) -> None:
        self.snapshot = type("S", (), {"chunks": {i: _Chunk(i, t) for i, t in texts.items()}})
        self.plan = plan

    def search(self, question: str, k: int = 10, mode: str = "hybrid") -> _Result:
        ranking, abstained = self.plan[question]
        chunks = self.snapshot.chunks
        return _Result([_Hit(chunks[i]) for i in ranking[:k]], abstained)


TEXTS = {1: "Svaret er 42.", 2: "Et andet  SVAR står her.", 3: "Fyld.", 4: "Mere fyld."}
QUESTIONS = [
    Question("a", "qa", ("svaret er 42",)),
    Question("b", "qb", ("et andet svar",)),
    Question("c", "qc", ("svaret er 42",)),
    Question("typo", "qt", ("findes ikke i teksten",)),
    Question("u1", "qu1", (), unanswerable=True),
    Question("u2", "qu2", (), unanswerable=True),
]
PLAN = {
    "qa": ([1, 3], False),  # rank 1
    "qb": ([3, 2, 4], True),  # rank 2, wrongly abstained
    "qc": ([3, 4], False),  # not found
    "qt": ([1], False),
    "qu1": ([3], True),  # rightly abstained
    "qu2": ([4], False),  # answered an unanswerable question
}


def test_evaluate_scores_ranks_and_counts_abstention_apart() -> None:
    report = evaluate(_StubSearcher(TEXTS, PLAN), QUESTIONS, k=10)
    ranks = {o.id: o.rank for o in report.outcomes}
    assert ranks == {"a": 1, "b": 2, "c": None, "typo": None, "u1": None, "u2": None}
    assert report.n == 3  # the question whose snippet matches nothing is left out
    assert report.metrics["mrr@10"] == pytest.approx((1 + 0.5 + 0) / 3)
    # Metrics are on the ranking before abstention: "b" counts although it abstained.
    assert report.metrics["recall@3"] == pytest.approx(2 / 3)
    assert report.unanswerable_n == 2
    assert report.abstain_unanswerable == pytest.approx(1 / 2)
    assert report.abstain_answerable == pytest.approx(1 / 3)
    assert any(w.startswith("typo:") for w in report.warnings)


def test_json_report_has_exactly_the_agreed_keys() -> None:
    data = evaluate(_StubSearcher(TEXTS, PLAN), QUESTIONS).as_json()
    assert list(data) == [
        "n", "recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10",
        "unanswerable_n", "abstain_unanswerable", "abstain_answerable", "p50_ms", "p95_ms",
        "refused_answerable", "flagged_unanswerable", "confident_answerable", "sentence@1",
        "by_kind", "per_question", "splits",
    ]  # fmt: skip
    assert tuple(data) == JSON_KEYS
    assert data["per_question"][1] == {
        "id": "b",
        "rank": 2,
        "abstained": True,
        "verdict": "none",
        "short_answer": "",
        "split": "",
        "probability": None,
    }
    keys = ("abstained", "id", "probability", "rank", "short_answer", "split", "verdict")
    assert {tuple(sorted(p)) for p in data["per_question"]} == {keys}
    # verdict shares: answerable "a" and "c" answered, "b" refused; "u1" refused, "u2" answered
    assert data["refused_answerable"] == data["abstain_answerable"]
    assert data["confident_answerable"] == pytest.approx(round(2 / 3, 4))
    assert data["flagged_unanswerable"] == pytest.approx(0.5)
    assert data["p95_ms"] >= data["p50_ms"] >= 0
    json.dumps(data)  # plain JSON types only


# --- a tiny real index (hashing embedder) ---------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    return make_tiny(tmp_path, monkeypatch)


def test_keyword_questions_on_a_tiny_index_are_found_first(tiny) -> None:
    settings, path = tiny
    report = evaluate(searcher(settings), load_questions(path), mode="bm25")
    assert {o.id: o.rank for o in report.outcomes} == {"k": 1, "c": 1, "u": None}
    assert report.metrics["mrr@10"] == 1.0
    assert report.warnings == []


def test_abstention_follows_the_rule(tiny) -> None:
    settings, path = tiny
    qs = load_questions(path)
    never = AbstainRule(
        min_dense=-1.0, confident_dense=-1.0, min_coverage=0.0, unknown_names=False, offtopic=False
    )
    always = AbstainRule(min_dense=2.0, confident_dense=2.0, min_coverage=2.0, offtopic=False)
    report = evaluate(searcher(settings, never), qs, mode="hybrid")
    assert (report.abstain_unanswerable, report.abstain_answerable) == (0.0, 0.0)
    report = evaluate(searcher(settings, always), qs, mode="hybrid")
    assert (report.abstain_unanswerable, report.abstain_answerable) == (1.0, 1.0)
    # Ranking metrics do not change with abstention.
    assert report.metrics == evaluate(searcher(settings, never), qs, mode="hybrid").metrics


# --- the real model on the real corpus (slow) ---------------------------------------------


@pytest.fixture(scope="module")
def real_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    from base.settings import DEFAULT_MODEL
    from index.encoder import load_embedder

    root = tmp_path_factory.mktemp("real")
    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=root / "index")
    embedder = load_embedder(DEFAULT_MODEL)
    build_index(settings, embedder)
    return Searcher(load_snapshot(settings.index_dir), embedder)


@pytest.fixture(scope="module")
def real_report(real_searcher: Searcher):
    return evaluate(real_searcher, load_questions(ROOT / "eval" / "questions.jsonl"))


@pytest.mark.slow
def test_eval_set_meets_the_retrieval_targets(real_searcher: Searcher, real_report) -> None:
    """Pass marks are the issues' targets, never measured values."""
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    reports = {m: evaluate(real_searcher, questions, mode=m) for m in ("dense", "bm25")}
    hybrid = real_report
    assert hybrid.warnings == []  # every answer snippet is found in some passage
    assert hybrid.metrics["mrr@10"] > reports["dense"].metrics["mrr@10"]
    assert hybrid.metrics["mrr@10"] > reports["bm25"].metrics["mrr@10"]
    # Danish questions alone: recall@5 >= 0.95 and MRR@10 >= 0.85 (issues 5 and 18).
    danish = [q for q in questions if q.kind != "english"]
    danish_report = evaluate(real_searcher, danish, mode="hybrid")
    assert danish_report.metrics["recall@5"] >= 0.95
    assert danish_report.metrics["mrr@10"] >= 0.85


@pytest.mark.slow
def test_answerable_questions_get_confident_answers(real_report) -> None:
    assert real_report.confident_answerable >= 0.90  # issue 18, English included


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 18 target missed: 2 of 122 refused (0.016)")
def test_answerable_questions_are_almost_never_refused(real_report) -> None:
    assert real_report.abstain_answerable <= 0.01  # issue 18


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="issue 18 target missed: 0.50 of 40 flagged (training seed 11; 0.53-0.93 on the "
    "near dev part over seeds 11-13, see eval/RESULTS.md)",
)
def test_unanswerable_questions_near_the_domain_are_flagged(real_searcher: Searcher) -> None:
    questions = load_questions(ROOT / "eval" / "near" / "questions.jsonl")
    questions += [
        q
        for q in load_questions(ROOT / "eval" / "questions.jsonl")
        if q.kind == "near_unanswerable"
    ]
    assert evaluate(real_searcher, questions).flagged_unanswerable >= 0.80  # issue 18


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 18 target missed: none for 0.80 of 64, 7 answered")
def test_everyday_questions_on_other_subjects_get_nothing(real_searcher: Searcher) -> None:
    report = evaluate(real_searcher, load_questions(ROOT / "eval" / "offtopic" / "questions.jsonl"))
    assert report.abstain_unanswerable >= 0.95  # issue 18
    assert all(o.verdict != "answer" for o in report.outcomes)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 18 target missed: sentence@1 0.62 (dev and test)")
def test_the_short_answer_holds_the_answer(real_report) -> None:
    assert real_report.sentence_at_1 >= 0.75  # issue 18


def test_questions_judged_by_document_and_the_short_answer_are_scored(tiny, tmp_path) -> None:
    settings, _ = tiny
    path = tmp_path / "docs.jsonl"
    rows = [
        {"id": "d1", "question": "elcykler hjemmeplejen", "relevant_docs": ["cykler.txt"]},
        {"id": "d2", "question": "kaffemaskine kantinen", "relevant_docs": ["findes-ikke.txt"]},
        {"id": "s1", "question": "kaffemaskine kantinen", "answers": ["ny kaffemaskine"]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = evaluate(searcher(settings), load_questions(path), mode="bm25")
    ranks = {o.id: o.rank for o in report.outcomes}
    assert ranks["d1"] == 1 and ranks["d2"] is None  # an unknown document is not scored
    assert any(w.startswith("d2:") for w in report.warnings)
    data = report.as_json()
    assert data["n"] == 2
    by_id = {p["id"]: p for p in data["per_question"]}
    assert "kaffemaskine" in by_id["s1"]["short_answer"].lower()
    # sentence@1 counts only questions with snippets: s1's short answer quotes its snippet
    assert data["sentence@1"] == 1.0


# --- municipalities named in a question (issue 18 item 4), real model ----------------------


@pytest.fixture(scope="module")
def places_report(real_searcher: Searcher) -> dict:
    from tools.evaluation.places import PlaceOutcome, evaluate_places, summary

    report = evaluate_places(real_searcher)
    report["all"] = summary([PlaceOutcome(**o) for o in report["per_question"]])
    return report


@pytest.mark.slow
def test_the_best_passage_is_about_the_named_municipality(places_report: dict) -> None:
    assert places_report["all"]["best_about"] >= 0.95  # issue 18, dev and test parts together


@pytest.mark.slow
def test_a_note_when_no_shown_passage_is_about_the_named_municipality(places_report: dict) -> None:
    assert places_report["all"]["note_when_none_shown"] >= 0.95  # issue 18
