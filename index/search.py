"""Search: dense (FAISS), keyword (BM25) or both fused, and knowing when to say "nothing".

Hybrid fusion is weighted reciprocal rank fusion (RRF): each ranked list adds
w / (k + rank) to a chunk's score, so lists with incomparable score scales
(cosine, BM25) combine without calibration.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from casechat.config import DEFAULT_MODEL
from casechat.errors import QueryError
from index.analyze import words
from index.embed import Embedder
from index.store import Snapshot
from ingest.document import Chunk, Document

MODES = ("hybrid", "dense", "bm25")
#: Longer questions are cut here (at a word boundary); the model reads 512 tokens at most.
MAX_QUERY_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass(frozen=True)
class Fusion:
    """Weights of the ranked lists in hybrid mode, and how deep each list is read."""

    k: int = 60
    dense: float = 1.0
    words: float = 1.0
    ngrams: float = 0.5
    depth: int = 100


@dataclass(frozen=True)
class AbstainRule:
    """When to answer "no relevant passage".

    Dense cosine alone cannot separate out-of-corpus questions (their scores
    overlap real ones), so the rule also asks for keyword evidence: the share of
    the question's content words (IDF-weighted) found in the best passages.
    Abstain when the best cosine is below `min_dense`, or when it is below
    `confident_dense` and the keyword evidence is below `min_coverage`.
    """

    min_dense: float = 0.78
    confident_dense: float = 0.85
    min_coverage: float = 0.34
    evidence_depth: int = 3

    @classmethod
    def for_model(cls, model: str) -> AbstainRule:
        """The cosine thresholds are calibrated for the default model (e5 cosines
        sit in a narrow band); for any other model only keyword evidence counts."""
        if model == DEFAULT_MODEL:
            return cls()
        return cls(min_dense=-1.0, confident_dense=2.0)


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    document: Document
    score: float
    rank: int
    dense: float | None = None
    lexical: float | None = None


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]
    abstained: bool = False
    dense_top: float = 0.0
    coverage: float = 0.0
    notice: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)


def clean_query(raw: str) -> tuple[str, str]:
    """The question as searched, and a notice for the person if it was changed."""
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QueryError("Skriv et spørgsmål – feltet er tomt.")
    if not re.search(r"\w", text):
        raise QueryError("Spørgsmålet indeholder ingen ord, der kan søges på. Prøv med ord.")
    notice = ""
    if len(text) > MAX_QUERY_CHARS:
        cut = text.rfind(" ", 0, MAX_QUERY_CHARS)
        text = text[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS]
        notice = f"Spørgsmålet var meget langt; der er søgt på de første {len(text)} tegn."
    return text, notice


def _ranks(order: Iterable[int]) -> dict[int, int]:
    return {int(cid): r for r, cid in enumerate(order, start=1)}


class Searcher:
    """Search one loaded index snapshot with one embedder; safe to share across threads."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        fusion: Fusion | None = None,
        abstain: AbstainRule | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.embedder = embedder
        self.fusion = fusion or Fusion()
        self.rule = abstain or AbstainRule.for_model(embedder.name)
        lex = snapshot.lexical
        self._row_ids = lex.ids
        self._idf_docs = len(lex.ids)

    def municipalities(self) -> list[str]:
        names = {m for c in self.snapshot.chunks.values() for m in c.municipalities}
        return sorted(names)

    def _allowed(
        self, sources: set[str] | None, municipalities: set[str] | None
    ) -> set[int] | None:
        if not sources and not municipalities:
            return None
        return {
            cid
            for cid, c in self.snapshot.chunks.items()
            if (not sources or c.source in sources)
            and (not municipalities or municipalities.intersection(c.municipalities))
        }

    def _dense(self, query: str, allowed: set[int] | None) -> tuple[list[int], dict[int, float]]:
        vec = self.embedder.embed_queries([query])
        total = self.snapshot.vectors.ntotal
        k = total if allowed is not None else min(total, self.fusion.depth)
        if k == 0:
            return [], {}
        scores, ids = self.snapshot.vectors.search(vec, k)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if allowed is not None:
            pairs = [(i, s) for i, s in pairs if i in allowed][: self.fusion.depth]
        return [i for i, _ in pairs], dict(pairs)

    def _lexical(self, query: str, allowed: set[int] | None):
        word_scores, gram_scores = self.snapshot.lexical.scores(query)
        lists = []
        for scores in (word_scores, gram_scores):
            if allowed is not None:
                mask = np.fromiter((int(i) in allowed for i in self._row_ids), bool, len(scores))
                scores = np.where(mask, scores, 0.0)
            top = np.argsort(-scores, kind="stable")[: self.fusion.depth]
            top = [r for r in top if scores[r] > 0]
            lists.append(
                (
                    [int(self._row_ids[r]) for r in top],
                    {int(self._row_ids[r]): float(scores[r]) for r in top},
                )
            )
        return lists

    def coverage(self, query: str, chunk_ids: list[int]) -> float:
        """IDF-weighted share of the question's content words found in these chunks."""
        terms = set(words(query))
        if not terms:
            return 0.0
        found = set()
        for cid in chunk_ids:
            found |= set(words(self.snapshot.chunks[cid].embed_text()))
        weight = {
            t: np.log(1 + self._idf_docs / (1 + self.snapshot.lexical.doc_freq(t))) for t in terms
        }
        total = sum(weight.values())
        return float(sum(w for t, w in weight.items() if t in found) / total) if total else 0.0

    def search(
        self,
        question: str,
        k: int = 3,
        mode: str = "hybrid",
        sources: set[str] | None = None,
        municipalities: set[str] | None = None,
    ) -> SearchResult:
        if mode not in MODES:
            raise QueryError(f"Ukendt søgemåde '{mode}'. Vælg en af: {', '.join(MODES)}.")
        query, notice = clean_query(question)
        allowed = self._allowed(sources, municipalities)
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        dense_order, dense_scores = self._dense(query, allowed) if mode != "bm25" else ([], {})
        t1 = time.perf_counter()
        (word_order, word_scores), (gram_order, _) = (
            self._lexical(query, allowed) if mode != "dense" else (([], {}), ([], {}))
        )
        t2 = time.perf_counter()
        if mode == "dense":
            ranked = [(cid, dense_scores[cid]) for cid in dense_order]
        elif mode == "bm25":
            ranked = [(cid, word_scores[cid]) for cid in word_order]
            if not ranked:  # no whole-word match: fall back to n-grams
                _, gram_scores = self._lexical(query, allowed)[1]
                ranked = sorted(gram_scores.items(), key=lambda p: -p[1])
        else:
            ranked = self._fuse(dense_order, word_order, gram_order)
        t3 = time.perf_counter()
        timings.update(
            dense_ms=(t1 - t0) * 1e3, lexical_ms=(t2 - t1) * 1e3, fuse_ms=(t3 - t2) * 1e3
        )

        top_ids = [cid for cid, _ in ranked[: max(k, self.rule.evidence_depth)]]
        coverage = self.coverage(query, top_ids[: self.rule.evidence_depth])
        dense_top = max(dense_scores.values(), default=0.0)
        abstained = self._abstain(mode, dense_top, coverage, bool(ranked))
        hits = [
            Hit(
                chunk=self.snapshot.chunks[cid],
                document=self.snapshot.documents[self.snapshot.chunks[cid].source],
                score=float(score),
                rank=rank,
                dense=dense_scores.get(cid),
                lexical=word_scores.get(cid),
            )
            for rank, (cid, score) in enumerate(ranked[:k], start=1)
        ]
        timings["total_ms"] = (time.perf_counter() - t0) * 1e3
        return SearchResult(
            query, [] if abstained else hits, abstained, dense_top, coverage, notice, timings
        )

    def _fuse(self, *lists: list[int]) -> list[tuple[int, float]]:
        f = self.fusion
        scores: dict[int, float] = {}
        for order, weight in zip(lists, (f.dense, f.words, f.ngrams), strict=True):
            for cid, rank in _ranks(order).items():
                scores[cid] = scores.get(cid, 0.0) + weight / (f.k + rank)
        return sorted(scores.items(), key=lambda p: (-p[1], p[0]))

    def _abstain(self, mode: str, dense_top: float, coverage: float, any_hit: bool) -> bool:
        if not any_hit:
            return True
        r = self.rule
        if mode == "bm25":
            return coverage < r.min_coverage
        if dense_top < r.min_dense:
            return True
        return dense_top < r.confident_dense and coverage < r.min_coverage
