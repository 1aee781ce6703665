"""An index built in many small steps answers exactly like one built in one go.

Documents are added, changed and removed over several incremental builds (with
merges forced on the way); then the same corpus is built with ``--full``. For every
question of eval/questions.jsonl the top 10 of every search mode must be the same
passages, and the BM25 scores of every passage must be exactly equal, and the
calibration the same (the incremental builds take their files from the stat cache and
read only the few passage records the calibration samples).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

import index.incremental
import ingest.filestat
from answer.build import build_index
from answer.calibrate import PSEUDO_QUESTIONS, SAMPLE_PASSAGES, SEED, Calibration, calibrate
from answer.decision import AbstainRule
from answer.search import Searcher
from base.settings import ROOT, Settings
from index.encoder import HashingEmbedder
from index.store import load_snapshot

QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
NEVER_ABSTAIN = AbstainRule(min_dense=-2.0, confident_dense=-2.0, min_coverage=0.0)


def _searcher(settings: Settings) -> Searcher:
    return Searcher(load_snapshot(settings.index_dir), HashingEmbedder(), rule=NEVER_ABSTAIN)


def _steps(corpus: Path, source: Path) -> list:
    files = sorted(p for p in source.iterdir() if p.suffix in {".txt", ".md"})
    assert len(files) >= 4

    def add(path: Path) -> None:
        shutil.copy(path, corpus / path.name)
        meta = path.with_name(path.name + ".meta.json")
        if meta.is_file():
            shutil.copy(meta, corpus / meta.name)

    def change(name: str) -> None:
        path = corpus / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\nEt nyt afsnit om droner.\n")

    def remove(name: str) -> None:
        (corpus / name).unlink()
        (corpus / (name + ".meta.json")).unlink(missing_ok=True)

    return [
        lambda: [add(f) for f in files[:2]],
        lambda: add(files[2]),
        lambda: change(files[0].name),
        lambda: [add(f) for f in files[3:]],
        lambda: remove(files[1].name),
        lambda: change(files[2].name),
    ]


@pytest.mark.parametrize("max_segments", [8, 2])
def test_incremental_builds_equal_a_full_build(
    tmp_path: Path, corpus_copy: Path, monkeypatch: pytest.MonkeyPatch, max_segments: int
) -> None:
    monkeypatch.setattr(index.incremental, "MAX_SEGMENTS", max_segments)
    monkeypatch.setattr(ingest.filestat, "RACY_NS", -(10**12))  # use the stat cache
    corpus = tmp_path / "growing"
    corpus.mkdir()
    steps = Settings(corpus_dir=corpus, index_dir=tmp_path / "steps", model="hashing")
    embedder = HashingEmbedder()
    merged = 0
    for step in _steps(corpus, corpus_copy):
        step()
        report = build_index(steps, embedder)
        merged += report.merged
    assert not report.full and report.segments >= 1
    if max_segments == 2:
        assert merged > 0  # the merge path was taken
    full = Settings(corpus_dir=corpus, index_dir=tmp_path / "full", model="hashing")
    assert build_index(full, embedder, full=True).full

    a, b = _searcher(steps), _searcher(full)
    assert a.snapshot.lexical.ids.tolist() == b.snapshot.lexical.ids.tolist()  # same row order
    assert list(a.snapshot.chunks) == list(b.snapshot.chunks)
    assert a.snapshot.documents.keys() == b.snapshot.documents.keys()
    assert a.manifest.calibration and a.manifest.calibration == b.manifest.calibration
    _calibration_as_from_all_records(b)
    for question in QUESTIONS:
        for x, y in zip(
            a.snapshot.lexical.scores(question), b.snapshot.lexical.scores(question), strict=True
        ):
            assert np.array_equal(x, y), question  # exactly, not approximately
        for mode in ("hybrid", "dense", "bm25"):
            top_a = [h.chunk.chunk_id for h in a.search(question, k=10, mode=mode).hits]
            top_b = [h.chunk.chunk_id for h in b.search(question, k=10, mode=mode).hits]
            assert top_a == top_b, (mode, question)


def _calibration_as_from_all_records(searcher: Searcher) -> None:
    """The lazy calibration samples exactly what sampling all loaded passages did."""
    snapshot = searcher.snapshot
    stored = Calibration.from_dict(searcher.manifest.calibration)
    chunks = sorted(snapshot.chunks.values(), key=lambda c: c.chunk_id)
    rng = random.Random(SEED)  # the sampling before calibrate() took ids and a lookup
    sample = rng.sample(chunks, min(len(chunks), SAMPLE_PASSAGES))
    assert stored.sample_ids == tuple(sorted(c.chunk_id for c in sample))
    picked = [c.chunk_id for c in rng.sample(chunks, min(len(chunks), PSEUDO_QUESTIONS))]
    asked: list[int] = []

    def texts(ids):
        asked.extend(ids)
        return {i: snapshot.chunks[i].text for i in ids}

    shuffled = list(snapshot.chunks)
    random.Random(1).shuffle(shuffled)  # the order of the ids does not matter
    again = calibrate(HashingEmbedder(), shuffled, texts, snapshot.vectors)
    assert again == stored and asked == picked  # only the sampled records are read
