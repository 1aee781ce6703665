"""Calibration of the answer/abstain decision, measured on the index itself at build time.

What a cosine means depends on the model and on the corpus: e5 puts all text in
a narrow cone, and a corpus about one subject sits even closer together. So
instead of fixed cosine thresholds, each build measures two reference groups
against the new index and stores their levels in the manifest:

- **in the corpus**: pseudo-questions made of sentences taken from passages of
  the corpus (a seeded sample), embedded as questions. For each: the best
  cosine to any *other* passage (`top`: what a question about the corpus
  reaches without being a copy of its passage) and the median cosine to a fixed
  sample of passages (`domain`: how much the question is about what the corpus
  is about at all).
- **far from the corpus**: sentences of other domains (Debian's manual pages,
  answer/other_domain.py), per language, since English questions score lower
  against Danish text than Danish ones do.

A question is judged "not about these documents" (verdict *none*) only when
both its best cosine and its domain cosine lie no higher than the far group's
median plus half the gap between the two groups (answer/decision.py). The
sample of passages that defines `domain` is stored too, so the search computes
the question's domain cosine against the very same passages.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

import faiss
import numpy as np

from answer.other_domain import LANGUAGES, sample
from index.analyze import looks_english
from index.encoder import Embedder

#: Bump when what is measured changes: an index with older levels is recalibrated on its
#: next build and, until then, its levels are ignored.
CALIBRATION_VERSION = 2
SAMPLE_PASSAGES = 512
PSEUDO_QUESTIONS = 64
SEED = 7
#: Sentences of other domains per language for the far group.
FAR_PER_LANGUAGE = 24
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Levels:
    """Median and spread of one reference group's best and domain cosines."""

    top: float
    domain: float
    top_q10: float = 0.0
    domain_q10: float = 0.0
    n: int = 0


@dataclass(frozen=True)
class Calibration:
    """The reference levels of one index (stored in its manifest)."""

    sample_ids: tuple[int, ...]
    inside: Levels
    far: dict[str, Levels] = field(default_factory=dict)  # "da" / "en" -> levels
    version: int = CALIBRATION_VERSION

    def none_below(self, english: bool) -> tuple[float, float]:
        """(best cosine, domain cosine) at or below which a question is far from the corpus."""
        far = self.far.get("en" if english else "da") or self.far.get("da")
        if far is None:
            return (-1.0, -1.0)
        top = far.top + 0.5 * max(0.0, self.inside.top - self.far_da.top)
        domain = far.domain + 0.5 * max(0.0, self.inside.domain - self.far_da.domain)
        return (top, domain)

    @property
    def far_da(self) -> Levels:
        return self.far.get("da") or next(iter(self.far.values()))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict | None) -> Calibration | None:
        """The stored calibration, or None when absent or from another version."""
        if not raw or raw.get("version") != CALIBRATION_VERSION:
            return None
        return cls(
            sample_ids=tuple(int(i) for i in raw["sample_ids"]),
            inside=Levels(**raw["inside"]),
            far={lang: Levels(**levels) for lang, levels in raw.get("far", {}).items()},
        )


def probe_questions() -> list[str]:
    """The far group: a seeded sample of sentences of other domains in each language."""
    return [s for lang in LANGUAGES for s in sample(lang, FAR_PER_LANGUAGE, SEED)]


def sample_vectors(index: faiss.Index, ids: tuple[int, ...]) -> np.ndarray:
    """The stored vectors of the sample passages, (n, dim)."""
    if not ids:
        return np.zeros((0, index.d), dtype=np.float32)
    return np.stack([index.reconstruct(int(i)) for i in ids]).astype(np.float32)


def domain_cosine(query: np.ndarray, sample: np.ndarray) -> float:
    """Median cosine of one unit question vector to the sample passages."""
    return float(np.median(sample @ query)) if len(sample) else 0.0


def _levels(tops: list[float], domains: list[float]) -> Levels:
    return Levels(
        top=float(np.median(tops)),
        domain=float(np.median(domains)),
        top_q10=float(np.quantile(tops, 0.1)),
        domain_q10=float(np.quantile(domains, 0.1)),
        n=len(tops),
    )


Texts = Callable[[Sequence[int]], Mapping[int, str]]


def _pseudo_questions(
    ordered: list[int], texts: Texts, rng: random.Random
) -> list[tuple[str, int]]:
    """(sentence, its chunk id) for a seeded sample of passages."""
    out = []
    picked = rng.sample(ordered, min(len(ordered), PSEUDO_QUESTIONS))
    found = texts(picked)
    for chunk_id in picked:
        split = _SENTENCE.split(found[chunk_id])
        sentences = [s.strip() for s in split if 40 <= len(s.strip()) <= 240]
        if sentences:
            out.append((rng.choice(sentences), chunk_id))
    return out


def calibrate(
    embedder: Embedder, ids: Sequence[int], texts: Texts, index: faiss.Index
) -> Calibration | None:
    """Measure the reference levels of a built index (None for an index too small to say).

    `ids` are the live chunk ids (any order) and `texts` gives the texts of the few the
    seeded sample picks, so the passages' records need not all be read. The sample
    depends only on the sorted ids (random.sample picks positions), so the same live
    passages give the same calibration however the index was built.
    """
    if len(ids) < 2:
        return None
    rng = random.Random(SEED)
    ordered = sorted(int(i) for i in ids)
    sample_ids = tuple(sorted(rng.sample(ordered, min(len(ordered), SAMPLE_PASSAGES))))
    sample = sample_vectors(index, sample_ids)
    pseudo = _pseudo_questions(ordered, texts, rng)
    probes = probe_questions()
    texts = [text for text, _ in pseudo] + probes
    if not pseudo:
        return None
    vectors = embedder.embed_queries(texts)
    scores, found = index.search(vectors, 2)
    tops, domains = [], []
    for row, (_, own) in enumerate(pseudo):
        # The best passage that is not the one the sentence was taken from.
        best = next((s for s, i in zip(scores[row], found[row], strict=True) if i != own), 0.0)
        tops.append(float(best))
        domains.append(domain_cosine(vectors[row], sample))
    far: dict[str, tuple[list[float], list[float]]] = {}
    for offset, probe in enumerate(probes, start=len(pseudo)):
        lang = "en" if looks_english(probe) else "da"
        group = far.setdefault(lang, ([], []))
        group[0].append(float(scores[offset][0]))
        group[1].append(domain_cosine(vectors[offset], sample))
    return Calibration(
        sample_ids=sample_ids,
        inside=_levels(tops, domains),
        far={lang: _levels(t, d) for lang, (t, d) in far.items()},
    )
