"""What every section of a benchmark run shares: its configuration and its inputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from base.settings import ROOT, Settings
from index.encoder import Embedder
from tools.bench.corpus import SentencePool

QUESTIONS = ROOT / "eval" / "questions.jsonl"


@dataclass(frozen=True)
class BenchConfig:
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    rounds: int = 2  # interleaved throughput rounds (fp32, fast, fp32, fast, ...)
    real_vectors: int = 1_000  # generated chunks embedded for real (the rest synthetic)
    add_size: int = 10_000  # index size for the add-one-document measurement
    seed: int = 7
    workdir: Path | None = None  # default: a temporary folder, removed afterwards
    quality: bool = True
    startup: bool = True

    def as_json(self) -> dict:
        """The part of the configuration bench-results.json records."""
        return {
            "sizes": list(self.sizes),
            "rounds": self.rounds,
            "real_vectors": self.real_vectors,
            "seed": self.seed,
        }


@dataclass
class RunContext:
    """The inputs the per-size sections share, and the indexes they leave for later ones."""

    config: BenchConfig
    say: Callable[[str], None]
    workdir: Path
    pool: SentencePool
    fast: Embedder  # the default backend's real embedder
    questions: list[str]
    question_vectors: np.ndarray
    sentence_vectors: dict[str, np.ndarray]  # real vectors of the pool's sentences
    known: dict[str, np.ndarray]  # texts embedded for real: they keep their vectors
    docs_per_chunk: float  # generated documents per chunk, estimated
    settings_by_size: dict[int, Settings] = field(default_factory=dict)


def question_texts() -> list[str]:
    """The questions of eval/questions.jsonl, as the searches of the benchmark ask them."""
    return [
        json.loads(line)["question"]
        for line in QUESTIONS.read_text("utf-8").splitlines()
        if line.strip()
    ]
