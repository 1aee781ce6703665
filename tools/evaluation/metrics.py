"""Retrieval metrics: which passages answer a question, and how well a ranking finds them.

A passage answers a question when its text contains one of the question's
answer snippets, compared lowercased with whitespace collapsed. The ranking
metrics come from ranx over binary relevance; "recall@k" here is the hit rate:
the share of questions with at least one answering passage in the top k. (The
textbook recall, the share of all answering passages found, would punish a
ranking for not also returning the overlapping neighbour of a passage it
already found.)
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

CUTOFFS = (1, 3, 5, 10)


def normalize_text(text: str) -> str:
    """Lowercase, NFC and every run of whitespace as one space: how snippets are matched."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


def answers_in(text: str, snippets: Iterable[str]) -> bool:
    """Whether `text` contains any of the snippets (case and whitespace ignored)."""
    haystack = normalize_text(text)
    return any(s and normalize_text(s) in haystack for s in snippets)


class Passages:
    """Passage texts (chunk id -> text), normalized once for snippet matching."""

    def __init__(self, passages: Mapping[int, str]) -> None:
        self._normalized = {cid: normalize_text(text) for cid, text in passages.items()}

    def relevant(self, snippets: Sequence[str]) -> set[int]:
        """Ids of every passage that contains one of the snippets."""
        wanted = [normalize_text(s) for s in snippets if s.strip()]
        return {cid for cid, text in self._normalized.items() if any(w in text for w in wanted)}


def relevant_ids(passages: Mapping[int, str], snippets: Sequence[str]) -> set[int]:
    """Ids of every passage (chunk id -> text) that contains one of the snippets."""
    return Passages(passages).relevant(snippets)


def first_relevant_rank(ranking: Sequence[int], relevant: set[int]) -> int | None:
    """1-based rank of the first relevant id in the ranking, or None."""
    return next((r for r, cid in enumerate(ranking, start=1) if cid in relevant), None)


def ranking_metrics(
    relevant: Mapping[str, set[int]], rankings: Mapping[str, Sequence[int]]
) -> dict[str, float]:
    """recall@1/3/5/10 (hit rate), mrr@10 and ndcg@10, averaged over the questions in `relevant`.

    Every question in `relevant` must have at least one relevant id; a question
    without a ranking counts as found nowhere.
    """
    if not relevant:
        return {**{f"recall@{c}": 0.0 for c in CUTOFFS}, "mrr@10": 0.0, "ndcg@10": 0.0}
    from ranx import Qrels, Run, evaluate  # slow import (numba): only when measuring

    qrels = Qrels({q: {str(cid): 1 for cid in ids} for q, ids in relevant.items()})
    # Scores 1/rank keep the system's order exactly, ties included.
    run = Run(
        {
            q: {str(cid): 1.0 / r for r, cid in enumerate(rankings.get(q, ()), start=1)}
            for q in relevant
        }
    )
    names = {f"recall@{c}": f"hit_rate@{c}" for c in CUTOFFS} | {
        "mrr@10": "mrr@10",
        "ndcg@10": "ndcg@10",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety chatter
        scores = evaluate(qrels, run, list(names.values()), make_comparable=True)
    return {ours: float(scores[theirs]) for ours, theirs in names.items()}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), 0.0 for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0
