"""Hybrid fusion: how the dense, word and n-gram lists become one ranking.

Two methods stand side by side:

- **convex** (the default): each list's scores are min-max scaled to [0, 1] for
  this question (BM25 from its natural floor 0, cosine from the lowest cosine
  read), then weighted and summed, so the fused score lies in [0, 1] when the
  weights sum to 1. It keeps *how much* better the top passage of a list is: a
  passage far ahead on meaning is not overtaken by one that is third in every
  list. On the evaluation set it beat the best RRF setting by about 0.03
  MRR@10 (eval/RESULTS.md), as Bruch et al. (2023, "An Analysis of Fusion
  Functions for Hybrid Retrieval") also found.
- **rrf**: weighted reciprocal rank fusion, w / (k + rank) per list.

`score_share` turns a fused score back into something a person can read: the
share of the best score possible (convex), or the effective rank (RRF).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

Ranked = list[tuple[int, float]]  # (chunk id, fused score), best first


@dataclass(frozen=True)
class Fusion:
    """How hybrid mode combines the dense, word and n-gram lists.

    The weights are shares of the fused score: half meaning, half keywords.
    `depth` is how many candidates each list contributes; `k` is only used by
    the "rrf" method.
    """

    dense: float = 0.5
    words: float = 0.4
    ngrams: float = 0.1
    depth: int = 100
    method: str = "convex"
    k: int = 60
    #: Weight of the best sentence's score (index/sentences.py) added to the fused score of
    #: the top `rerank_depth` passages: a passage with one strongly matching sentence is
    #: often the answer. 0 switches the re-ranking off.
    sentence: float = 0.0
    rerank_depth: int = 20
    #: The dense share for a question not in the corpus' language (an English question
    #: over Danish text): its words cannot match, only names can, so meaning leads.
    foreign_dense: float = 0.8
    #: Each further passage of a document already in the ranking has its score multiplied
    #: by this once more (1 = off): several passages of one document then do not push
    #: every other document out of the top of the list.
    same_document: float = 1.0

    @property
    def weights(self) -> tuple[float, float, float]:
        return (self.dense, self.words, self.ngrams)

    def for_foreign_question(self) -> Fusion:
        """The weights for a question in another language: `foreign_dense` for meaning, the
        rest split between words and n-grams as before (the total stays the same)."""
        lexical = self.words + self.ngrams
        if lexical <= 0 or self.dense <= 0:
            return self
        scale = (self.dense + lexical) * (1 - self.foreign_dense) / lexical
        return replace(
            self,
            dense=(self.dense + lexical) * self.foreign_dense,
            words=self.words * scale,
            ngrams=self.ngrams * scale,
        )

    @property
    def total(self) -> float:
        """The best fused score possible (convex): best on every list and sentence."""
        return self.dense + self.words + self.ngrams + self.sentence


def _ranks(order: Iterable[int]) -> dict[int, int]:
    return {int(cid): r for r, cid in enumerate(order, start=1)}


def rrf(fusion: Fusion, *orders: list[int]) -> Ranked:
    """Weighted reciprocal rank fusion of the ranked lists (dense, words, n-grams)."""
    scores: dict[int, float] = {}
    for order, weight in zip(orders, fusion.weights, strict=True):
        for cid, rank in _ranks(order).items():
            scores[cid] = scores.get(cid, 0.0) + weight / (fusion.k + rank)
    return sorted(scores.items(), key=lambda p: (-p[1], p[0]))


def convex(fusion: Fusion, *score_maps: dict[int, float]) -> Ranked:
    """Weighted sum of min-max normalized scores (dense, words, n-grams)."""
    scores: dict[int, float] = {}
    for position, (found, weight) in enumerate(zip(score_maps, fusion.weights, strict=True)):
        if not found or not weight:
            continue
        hi, lo = max(found.values()), min(found.values())
        if position > 0:
            lo = 0.0  # BM25's own floor: a passage without the words scores 0
        span = hi - lo
        for cid, value in found.items():
            norm = (value - lo) / span if span > 0 else 1.0
            scores[cid] = scores.get(cid, 0.0) + weight * norm
    return sorted(scores.items(), key=lambda p: (-p[1], p[0]))


def fuse(
    fusion: Fusion,
    scores: tuple[dict[int, float], dict[int, float], dict[int, float]],
    orders: tuple[list[int], list[int], list[int]],
) -> Ranked:
    """The hybrid ranking by the fusion's method."""
    if fusion.method == "convex":
        return convex(fusion, *scores)
    return rrf(fusion, *orders)


def diversify(ranked: Ranked, source_of: dict[int, str] | None, decay: float) -> Ranked:
    """`ranked` with the n-th passage of a document scored `decay` ** (n - 1) times lower."""
    if decay >= 1.0 or not source_of:
        return ranked
    seen: dict[str, int] = {}
    out = []
    for cid, score in ranked:
        source = source_of.get(cid, "")
        out.append((cid, score * decay ** seen.get(source, 0)))
        seen[source] = seen.get(source, 0) + 1
    return sorted(out, key=lambda p: (-p[1], p[0]))


def effective_rank(score: float, fusion: Fusion) -> float:
    """The rank a passage would need in every ranked list to get its RRF score.

    RRF scores are weighted reciprocal ranks, sum(w / (k + rank)); solving
    score = W / (k + r) for r turns the score back into one readable rank.
    A passage found by only one of the searches gets a large effective rank.
    """
    if score <= 0:
        return float("inf")
    return max(1.0, fusion.total / score - fusion.k)


def score_share(score: float, fusion: Fusion) -> float:
    """A convex fused score as a share of its maximum (1 = best on every list)."""
    return score / fusion.total if fusion.total else 0.0


#: Share of the best possible fused score (convex fusion) for a "high" and a "mid" label.
#: On eval/questions.jsonl with the default model, 60 % of passages at or above 0.85
#: contained a known answer snippet, 6 % of those in 0.65-0.85, about 1 % below.
HIGH_SHARE = 0.85
MID_SHARE = 0.65


@dataclass(frozen=True)
class Strength:
    """How strongly one passage is ranked, for the relevance label people see.

    `level` is "high", "mid" or "low". Convex fusion: from the score share
    (`share`); reciprocal rank fusion: from the effective rank (`rank`), high
    within the top 3, mid within the top 10; without fusion, from the rank.
    """

    level: str
    share: float | None
    rank: float


def strength(score: float, rank: int, fusion: Fusion | None) -> Strength:
    """The strength of a passage with this fused score at this rank."""
    if fusion is not None and fusion.method == "convex":
        share = score_share(score, fusion)
        level = "high" if share >= HIGH_SHARE else "mid" if share >= MID_SHARE else "low"
        return Strength(level, share, float(rank))
    effective = float(rank) if fusion is None else effective_rank(score, fusion)
    level = "high" if effective <= 3 else "mid" if effective <= 10 else "low"
    return Strength(level, None, effective)
