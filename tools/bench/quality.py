"""Retrieval quality of each backend's vectors on eval/questions.jsonl (recall@5, MRR@10)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from answer.build import build_index
from answer.search import Searcher
from base.settings import DEFAULT_MODEL, Settings
from index.encoder import Embedder
from index.store import load_snapshot
from ingest.document import Chunk
from tools.bench.context import QUESTIONS
from tools.bench.vectors import SyntheticEmbedder
from tools.evaluation import evaluate, load_questions

MODES = ("dense", "hybrid")


@dataclass
class Scores:
    recall_at_5: float  # JSON: "recall@5"
    mrr_at_10: float  # JSON: "mrr@10"


#: backend (or "Δ backend", the difference to the first) -> mode -> scores
QualityResult = dict[str, dict[str, Scores]]


def retrieval_quality(
    say: Callable[[str], None],
    workdir: Path,
    chunks: Sequence[Chunk],
    vectors: dict[str, np.ndarray],
    embedders: dict[str, Embedder],
) -> QualityResult:
    """recall@5 and MRR@10 of fp32 and fast vectors on eval/questions.jsonl."""
    say("Kvalitet: eval/questions.jsonl med hver backends vektorer")
    questions = load_questions(QUESTIONS)
    out: QualityResult = {}
    for name, embedder in embedders.items():
        known = {c.embed_text(): v for c, v in zip(chunks, vectors[name], strict=True)}
        settings = Settings(index_dir=workdir / f"quality-{name}", model=DEFAULT_MODEL)
        build_index(settings, SyntheticEmbedder(embedder, {"x": vectors[name][0]}, known))
        searcher = Searcher(load_snapshot(settings.index_dir), embedder)
        out[name] = {}
        for mode in MODES:
            metrics = evaluate(searcher, questions, mode=mode, k=10).metrics
            out[name][mode] = Scores(
                recall_at_5=round(metrics.get("recall@5", 0.0), 4),
                mrr_at_10=round(metrics.get("mrr@10", 0.0), 4),
            )
    base = next(iter(embedders))
    for name in list(embedders)[1:]:
        out[f"Δ {name}"] = {
            mode: Scores(
                recall_at_5=round(out[name][mode].recall_at_5 - out[base][mode].recall_at_5, 4),
                mrr_at_10=round(out[name][mode].mrr_at_10 - out[base][mode].mrr_at_10, 4),
            )
            for mode in MODES
        }
    return out
