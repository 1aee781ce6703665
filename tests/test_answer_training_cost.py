"""Training the answer model stays cheap (issue 18): a small index trains on a smaller
sample, a rebuild reuses the training questions' vectors, and the questions of unchanged
passages stay the same from build to build."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from test_answer_model import BEES

from answer.build import build_index
from answer.question_vectors import FILE, embed_questions
from answer.training import MIN_SCALE, PASSAGES, questions, sample_scale
from base.settings import Settings
from index.encoder import HashingEmbedder
from index.store import load_snapshot

MORE_BEES = (
    "Vinterfodring\n\nEfter sidste slyngning fodrer biavleren bifolkene med sukkeropløsning, "
    "så de har foder nok til vinteren. Et bifolk skal have omkring femten kilo foder. "
    "Om vinteren sidder bierne tæt i en klynge og holder varmen."
)


def _corpus(root: Path, extra: bool = False) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, text in BEES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    if extra:
        (corpus / "vinter.txt").write_text(MORE_BEES, encoding="utf-8")
    return Settings(corpus_dir=corpus, index_dir=root / "index")


def _training_questions(embedder: HashingEmbedder, settings: Settings) -> set[str]:
    made = questions(load_snapshot(settings.index_dir), sample_scale(3))
    return {q.text for q in made} & set(embedder.queries_seen)


def test_a_small_build_trains_in_about_a_second(tmp_path: Path) -> None:
    settings = _corpus(tmp_path)
    started = time.process_time()
    build_index(settings, HashingEmbedder())
    assert time.process_time() - started < 3.0  # the whole build, on a busy machine
    figures = load_snapshot(settings.index_dir).manifest.calibration["answer_model"]["figures"]
    # A three-passage index asks a share of the full sample, never less than MIN_SCALE.
    asked = figures["questions"]["inside"]
    assert asked <= round(PASSAGES * MIN_SCALE) < PASSAGES
    assert sample_scale(3) == MIN_SCALE and sample_scale(10_000) == 1.0


def test_a_rebuild_after_adding_a_document_embeds_few_training_questions(
    tmp_path: Path,
) -> None:
    settings = _corpus(tmp_path)
    first = HashingEmbedder()
    build_index(settings, first)
    assert (settings.index_dir / FILE).is_file()
    asked_first = _training_questions(first, settings)
    _corpus(tmp_path, extra=True)
    second = HashingEmbedder()
    build_index(settings, second)
    made = questions(load_snapshot(settings.index_dir), sample_scale(4))
    embedded = {q.text for q in made} & set(second.queries_seen)
    kept = {q.text for q in made} & asked_first
    # Most questions are those of the first build (unchanged passages, the same other
    # domains) and only the new ones are embedded.
    assert len(kept) >= 0.5 * len(made)
    assert not kept & embedded


def test_reused_vectors_are_the_embedded_ones(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    texts = ["hvornår slynges honningen", "what is varroa", "hvornår slynges honningen"]
    first = embed_questions(embedder, texts, tmp_path)
    again = HashingEmbedder()
    second = embed_questions(again, texts[:2] + ["ny"], tmp_path)
    assert again.queries_seen == ["ny"]
    np.testing.assert_allclose(second[:2], first[:2])
    (tmp_path / FILE).write_bytes(b"garbage")  # a damaged file: embed again, no error
    third = HashingEmbedder()
    np.testing.assert_allclose(embed_questions(third, texts, tmp_path), first)
    assert third.queries_seen == texts[:2]
