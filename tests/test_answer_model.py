"""The answer model (issue 18 items 1-2): trained per index at build from the index alone,
stored as JSON, deciding the verdict, labelling each passage; a clear fallback without it."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from answer.build import build_index
from answer.decision import ANSWER, NEAREST, NONE
from answer.features import FEATURES
from answer.model import MODEL_KEY, AnswerModel
from answer.search import NO_MODEL, Searcher
from answer.training import questions
from base.settings import Settings
from index.encoder import HashingEmbedder
from index.store import load_snapshot

#: A small library of another subject than the cases: bee-keeping, written for this test.
BEES = {
    "bistader.txt": (
        "Bistader i haven\n\nEt bistade skal stå lunt og tørt med flyvehullet mod syd. "
        "Biavleren åbner stadet en varm dag i april og ser efter yngel og foder. "
        "Et stærkt bifolk har mange tusinde arbejderbier om sommeren.\n\n"
        "Dronningen lægger æg i tavlerne, og arbejderbierne passer larverne. "
        "Når stadet bliver for trangt, kan bifolket sværme, og biavleren må fange sværmen."
    ),
    "honning.txt": (
        "Honning og slyngning\n\nHonningen slynges, når tavlerne er forseglede med voks. "
        "Biavleren skærer voksen af og sætter tavlerne i en honningslynge. "
        "Den friske honning sies og hældes på glas, hvor den krystalliserer efter nogle uger.\n\n"
        "Lynghonning er mørk og kraftig, mens rapshonning bliver fast og lys. "
        "En bifamilie kan give tyve til fyrre kilo honning i en god sæson."
    ),
    "varroa.txt": (
        "Varroamider\n\nVarroamiden er en parasit, der lever på bierne og deres yngel. "
        "Biavlere behandler bifolkene med myresyre sidst på sommeren og med oxalsyre i vinter. "
        "Et bifolk med mange mider svækkes og kan dø inden foråret.\n\n"
        "Man tæller miderne på en bundplade under stadet og behandler, "
        "når der falder mere end ti mider om dagen."
    ),
}


@pytest.fixture(scope="module")
def bee_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("bees")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in BEES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    build_index(settings, HashingEmbedder())
    return settings


def test_a_build_trains_the_model_from_that_index_alone(bee_index: Settings) -> None:
    snapshot = load_snapshot(bee_index.index_dir)
    raw = snapshot.manifest.calibration[MODEL_KEY]
    json.dumps(raw)  # plain JSON, no pickle
    model = AnswerModel.from_dict(raw)
    assert model is not None and model.features == FEATURES
    figures = model.figures
    assert figures["positives"] >= 5 and figures["negatives"] >= 5
    assert 0.0 <= figures["brier"] <= 1.0 and 0.0 <= figures["auc"] <= 1.0
    # The answerable training questions are made of this corpus' passages, nothing else.
    made = questions(snapshot)
    passages = [" ".join(re.findall(r"\w[\w-]*", c.text.lower())) for c in snapshot.chunks.values()]
    inside = [q for q in made if q.kind == "inside"]
    assert inside and all(any(q.window.lower() in p for p in passages) for q in inside)
    assert any("bi" in q.window.lower() for q in inside)
    assert {q.kind for q in made} >= {"inside", "other_da", "other_en", "swap"}


def test_the_verdict_follows_the_answer_probability(bee_index: Settings) -> None:
    searcher = Searcher(load_snapshot(bee_index.index_dir), HashingEmbedder())
    model = searcher.model
    assert model is not None
    for question in ("Hvornår slynges honningen?", "Hvordan behandler man varroamider?"):
        result = searcher.search(question, k=3)
        probabilities = [h.probability for h in result.candidates]
        assert all(p is not None and 0.0 <= p <= 1.0 for p in probabilities)
        assert result.probability == pytest.approx(max(probabilities))
        assert result.verdict == model.verdict(result.probability)
        if result.verdict != ANSWER:
            assert result.short_answer == ()  # no "Kort svar" unless it is an answer
        if result.verdict == NONE:
            assert result.hits == []


def test_thresholds_split_the_probability_into_three_verdicts() -> None:
    model = AnswerModel(
        features=FEATURES,
        mean=(0.0,) * len(FEATURES),
        scale=(1.0,) * len(FEATURES),
        coef=(1.0,) + (0.0,) * (len(FEATURES) - 1),
        intercept=0.0,
        answer_at=0.6,
        none_below=0.2,
    )
    assert [model.verdict(p) for p in (0.9, 0.6, 0.59, 0.2, 0.19)] == [
        ANSWER,
        ANSWER,
        NEAREST,
        NEAREST,
        NONE,
    ]
    rows = np.zeros((2, len(FEATURES)))
    rows[1, 0] = 3.0  # the one weighted feature, higher
    low, high = model.probability(rows)
    assert low == pytest.approx(0.5) and high > 0.9
    assert AnswerModel.from_dict(model.to_dict()) == model
    assert AnswerModel.from_dict({**model.to_dict(), "version": 0}) is None
    assert AnswerModel.from_dict({**model.to_dict(), "features": ["cos"]}) is None


def test_an_index_without_a_model_falls_back_clearly(
    bee_index: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    snapshot = load_snapshot(bee_index.index_dir)
    calibration = {k: v for k, v in snapshot.manifest.calibration.items() if k != MODEL_KEY}
    old = replace(snapshot, manifest=replace(snapshot.manifest, calibration=calibration))
    with caplog.at_level(logging.WARNING):
        searcher = Searcher(old, HashingEmbedder())
    assert searcher.model is None
    assert NO_MODEL.split("%s")[1].strip()[:20] in caplog.text
    result = searcher.search("Hvornår slynges honningen?")
    assert result.probability is None and all(h.probability is None for h in result.candidates)
    assert result.verdict in (ANSWER, NEAREST, NONE)


def test_search_json_rows_and_the_api_carry_the_probability(bee_index: Settings) -> None:
    from casechat.lookup import result_payload
    from casechat.results import hit_row

    searcher = Searcher(load_snapshot(bee_index.index_dir), HashingEmbedder())
    result = searcher.search("Hvor meget honning giver en bifamilie?", k=3)
    payload = result_payload(result)
    assert payload["probability"] == pytest.approx(result.probability, abs=1e-4)
    for hit in result.hits:
        assert hit_row(hit)["probability"] == pytest.approx(hit.probability, abs=1e-4)


def test_the_card_label_is_the_passage_own_probability(bee_index: Settings) -> None:
    from casechat.cards import relevance

    searcher = Searcher(load_snapshot(bee_index.index_dir), HashingEmbedder())
    hit = searcher.search("Hvordan behandler man varroamider?", k=3).candidates[0]
    for p, label in ((0.9, "høj"), (0.6, "middel"), (0.1, "lav")):
        got, basis = relevance(replace(hit, probability=p), searcher.fusion)
        assert got == label and "sandsynlighed" in basis


def test_the_vendored_other_domain_text_has_its_licence() -> None:
    data = Path(__file__).parents[1] / "answer" / "data"
    for lang in ("da", "en"):
        assert (data / f"other_{lang}.copyright").stat().st_size > 0
        assert len((data / f"other_{lang}.txt").read_text(encoding="utf-8").splitlines()) >= 100
