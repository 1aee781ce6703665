"""The evaluation: snippet matching, metrics with known values, abstention counts, JSON, CLI."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from base.errors import CasechatError
from base.settings import ROOT, Settings
from casechat.cli import app
from casechat.evaluation import JSON_KEYS, Question, evaluate, load_questions
from casechat.metrics import (
    answers_in,
    first_relevant_rank,
    normalize_text,
    ranking_metrics,
    relevant_ids,
)
from index.analyze import looks_english, names
from index.build import build_index
from index.embed import HashingEmbedder
from index.search import AbstainRule, Evidence, Searcher
from index.store import load_snapshot

TINY = {
    "kaffe.txt": (
        "Kaffe på rådhuset\n\nKommunen indførte en ny kaffemaskine i kantinen, og "
        "medarbejderne drikker nu mere kaffe om formiddagen end nogensinde før. "
        "Maskinen blev valgt efter en lang udbudsrunde med tre leverandører."
    ),
    "cykler.txt": (
        "Cykler i kommunen\n\nKommunen købte tyve elcykler til hjemmeplejen, så "
        "medarbejderne kan nå flere borgere uden bil. Elcyklerne lades op om natten "
        "i en ny cykelkælder under rådhuset."
    ),
}


# --- matching and metrics on hand-made rankings ------------------------------------------


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
        "per_question",
    ]  # fmt: skip
    assert tuple(data) == JSON_KEYS
    assert data["per_question"][1] == {"id": "b", "rank": 2, "abstained": True}
    assert {tuple(sorted(p)) for p in data["per_question"]} == {("abstained", "id", "rank")}
    assert data["p95_ms"] >= data["p50_ms"] >= 0
    json.dumps(data)  # plain JSON types only


# --- the question file ----------------------------------------------------------------


def test_load_questions_reads_the_real_set_and_refuses_broken_lines(tmp_path: Path) -> None:
    real = load_questions(ROOT / "eval" / "questions.jsonl")
    assert len(real) == len({q.id for q in real}) > 0
    assert all(q.answers for q in real if not q.unanswerable)

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "ok"}\n{"question": "intet id"}\n', encoding="utf-8")
    with pytest.raises(CasechatError, match="Linje 2"):
        load_questions(bad)
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "x", "question": "a"}\n{"id": "x", "question": "b"}\n', "utf-8")
    with pytest.raises(CasechatError, match="to gange"):
        load_questions(dup)
    with pytest.raises(CasechatError, match="kan ikke læses"):
        load_questions(tmp_path / "missing.jsonl")


# --- a tiny real index (hashing embedder) ---------------------------------------------


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    build_index(settings, HashingEmbedder())
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "k", "question": "kaffemaskine kantinen", "answers": ["ny kaffemaskine i kantinen"]},
        {"id": "c", "question": "elcykler hjemmeplejen", "answers": ["tyve elcykler"]},
        {"id": "u", "question": "fodbold superliga", "answers": [], "unanswerable": True},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("CASECHAT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("CASECHAT_MODEL", "hashing")
    return settings, questions


def _searcher(settings: Settings, rule: AbstainRule | None = None) -> Searcher:
    return Searcher(load_snapshot(settings.index_dir), HashingEmbedder(), abstain=rule)


def test_keyword_questions_on_a_tiny_index_are_found_first(tiny) -> None:
    settings, path = tiny
    report = evaluate(_searcher(settings), load_questions(path), mode="bm25")
    assert {o.id: o.rank for o in report.outcomes} == {"k": 1, "c": 1, "u": None}
    assert report.metrics["mrr@10"] == 1.0
    assert report.warnings == []


def test_abstention_follows_the_rule(tiny) -> None:
    settings, path = tiny
    qs = load_questions(path)
    never = AbstainRule(min_dense=-1.0, confident_dense=-1.0, min_coverage=0.0, unknown_names=False)
    always = AbstainRule(min_dense=2.0, confident_dense=2.0, min_coverage=2.0)
    report = evaluate(_searcher(settings, never), qs, mode="hybrid")
    assert (report.abstain_unanswerable, report.abstain_answerable) == (0.0, 0.0)
    report = evaluate(_searcher(settings, always), qs, mode="hybrid")
    assert (report.abstain_unanswerable, report.abstain_answerable) == (1.0, 1.0)
    # Ranking metrics do not change with abstention.
    assert report.metrics == evaluate(_searcher(settings, never), qs, mode="hybrid").metrics


def test_cli_eval_json_and_compare(tiny) -> None:
    _, path = tiny
    runner = CliRunner()
    out = runner.invoke(app, ["eval", "--questions", str(path), "--json", "--mode", "bm25"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert tuple(data) == JSON_KEYS
    assert data["n"] == 2 and data["unanswerable_n"] == 1

    out = runner.invoke(app, ["eval", "--questions", str(path), "--json", "--compare"])
    assert out.exit_code == 0, out.output
    assert set(json.loads(out.stdout)) == {"dense", "bm25", "hybrid"}

    out = runner.invoke(app, ["eval", "--questions", str(path), "--compare"])
    assert out.exit_code == 0 and "recall@5" in out.stdout and "hybrid" in out.stdout


def test_cli_eval_warns_about_answers_that_match_nothing(tiny) -> None:
    _, path = tiny
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "z", "question": "kaffe", "answers": ["ikke i teksten"]}))
    out = CliRunner().invoke(app, ["eval", "--questions", str(path), "--json"])
    assert out.exit_code == 0
    assert "z: intet tekststykke" in out.stderr
    assert json.loads(out.stdout)["n"] == 2


def test_cli_eval_refuses_unknown_mode_and_missing_index(tiny, tmp_path: Path) -> None:
    _, path = tiny
    out = CliRunner().invoke(app, ["eval", "--questions", str(path), "--mode", "magic"])
    assert out.exit_code == 1 and "magic" in out.stderr
    out = CliRunner().invoke(
        app, ["eval", "--questions", str(path), "--index-dir", str(tmp_path / "none")]
    )
    assert out.exit_code == 1 and "casechat build" in out.stderr


def test_evaluate_script_is_the_cli(tiny, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import evaluate as script

    _, path = tiny
    monkeypatch.setattr("sys.argv", ["evaluate.py", "--questions", str(path), "--json"])
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert stop.value.code == 0
    assert tuple(json.loads(capsys.readouterr().out)) == JSON_KEYS


# --- the abstention rule's parts ----------------------------------------------------------


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


def test_search_names_what_the_cases_never_mention(tiny) -> None:
    settings, _ = tiny
    result = _searcher(settings).search("Hvordan bruger Aarhus kaffemaskinen i kantinen?")
    assert result.unknown == ("Aarhus",)
    assert result.abstained and not result.hits and result.candidates
    assert "Aarhus" in result.notice
    assert _searcher(settings).search("Hvordan bruger Kommunen kaffemaskinen?").unknown == ()


# --- the real model on the real corpus (slow) ---------------------------------------------


@pytest.fixture(scope="module")
def real_searcher(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    from base.settings import DEFAULT_MODEL
    from index.embed import load_embedder

    root = tmp_path_factory.mktemp("real")
    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=root / "index")
    embedder = load_embedder(DEFAULT_MODEL)
    build_index(settings, embedder)
    return Searcher(load_snapshot(settings.index_dir), embedder)


@pytest.mark.slow
def test_eval_set_meets_the_retrieval_targets(real_searcher: Searcher) -> None:
    questions = load_questions(ROOT / "eval" / "questions.jsonl")
    reports = {m: evaluate(real_searcher, questions, mode=m) for m in ("dense", "bm25", "hybrid")}
    hybrid = reports["hybrid"]
    assert hybrid.warnings == []  # every answer snippet is found in some passage
    assert hybrid.metrics["recall@5"] >= 0.95
    assert hybrid.metrics["mrr@10"] >= 0.85
    assert hybrid.metrics["mrr@10"] > reports["dense"].metrics["mrr@10"]
    assert hybrid.metrics["mrr@10"] > reports["bm25"].metrics["mrr@10"]
    assert hybrid.abstain_unanswerable >= 0.75
    assert hybrid.abstain_answerable <= 0.05
