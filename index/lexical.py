"""BM25 keyword search over two fields (whole terms and their n-grams), in segments.

Like Lucene: every build writes the term counts of its new or changed passages as
a new small segment (index/postings.py); passages that were removed or replaced
are hidden by a per-segment deleted mask; and the statistics BM25 needs (live
passages N, average length, document frequency) are combined across all
segments, so the scores equal one BM25 (bm25s' default, Lucene's formula) over the
live passages, whatever the segmentation. Row ``i`` of the score arrays is the
passage ``ids[i]``; rows are the live passages of the segments in the order given.

Loading precomputes, per posting, the length-normalized term weight
``tf / (tf + k1 * (1 - b + b * len / avglen))`` (bm25s' Lucene variant, without
the constant factor ``k1 + 1``) for the whole library;
a query then only adds ``idf * weight`` over the posting lists of its terms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.analyze import ANALYZER, Analyzer
from index.postings import Postings

FIELDS = ("words", "ngrams")
K1 = 1.5
B = 0.75


@dataclass
class LexicalSegment:
    """The term counts of one segment's passages, both fields."""

    ids: np.ndarray  # int64 chunk ids, segment row order
    words: Postings
    ngrams: Postings

    @classmethod
    def build(
        cls, ids: Sequence[int], texts: Sequence[str], analyzer: Analyzer = ANALYZER
    ) -> LexicalSegment:
        terms = [analyzer.words(t) for t in texts]
        return cls(
            ids=np.asarray(ids, dtype=np.int64),
            words=Postings.from_terms(terms),
            ngrams=Postings.from_terms(analyzer.ngrams(t) for t in terms),
        )

    @classmethod
    def merge(cls, parts: Sequence[tuple[LexicalSegment, np.ndarray]]) -> LexicalSegment:
        """One segment of the kept rows of several (no text is tokenized again)."""
        return cls(
            ids=np.concatenate([s.ids[keep] for s, keep in parts]).astype(np.int64),
            words=Postings.merge([(s.words, keep) for s, keep in parts]),
            ngrams=Postings.merge([(s.ngrams, keep) for s, keep in parts]),
        )

    def save(self, folder: Path) -> list[str]:
        """Write ``lexical-ids.npy`` and both fields' postings; return the file names."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "lexical-ids.npy", self.ids)
        return ["lexical-ids.npy"] + [
            name for f in FIELDS for name in getattr(self, f).save(folder, f)
        ]

    @classmethod
    def load(cls, folder: Path) -> LexicalSegment:
        ids = np.load(folder / "lexical-ids.npy")
        words, ngrams = (Postings.load(folder, f) for f in FIELDS)
        if not len(ids) == words.n_rows == ngrams.n_rows:
            raise ValueError("lexical segment: rows do not fit together")
        return cls(ids, words, ngrams)


@dataclass
class _Field:
    """One field of one segment, ready to score: live rows only, weights precomputed."""

    vocab: dict[str, int]
    indptr: np.ndarray
    rows: np.ndarray  # int32 rows of the whole index
    weight: np.ndarray  # float32

    def df(self, col: int) -> int:
        return int(self.indptr[col + 1] - self.indptr[col])


def _prepare(p: Postings, live: np.ndarray, row_of: np.ndarray, avglen: float) -> _Field:
    rows, tf = p.rows, p.tf
    indptr = p.indptr
    if not live.all():
        keep = live[rows]
        col_of = np.repeat(np.arange(len(p.terms)), np.diff(indptr))
        counts = np.bincount(col_of[keep], minlength=len(p.terms))
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        rows, tf = rows[keep], tf[keep]
    norm = (K1 * (1 - B + B * np.asarray(p.lengths, np.float64) / max(avglen, 1e-9))).astype(
        np.float32
    )
    tf32 = tf.astype(np.float32)
    weight = tf32 / (tf32 + norm[rows])
    return _Field(p.vocab, indptr, row_of[rows], weight.astype(np.float32))


@dataclass
class LexicalIndex:
    """The search's view of BM25: scores of every live passage, document frequencies."""

    segments: list[LexicalSegment]
    #: Per segment: which rows are live (None = all).
    live: list[np.ndarray | None] = field(default_factory=list)
    #: How texts and questions become terms; another one only to compare (tools/sweep).
    analyzer: Analyzer = ANALYZER
    #: Optional row order: global row -> position in ``ids`` (e.g. sorted by document).
    order: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.live:
            self.live = [None] * len(self.segments)
        masks = [
            np.ones(len(s.ids), bool) if m is None else np.asarray(m, bool)
            for s, m in zip(self.segments, self.live, strict=True)
        ]
        starts = np.cumsum([0] + [int(m.sum()) for m in masks])
        n = int(starts[-1])
        position = np.arange(n, dtype=np.int64) if self.order is None else self.order
        ids = np.zeros(n, np.int64)
        self._fields: dict[str, list[_Field]] = {f: [] for f in FIELDS}
        row_maps = []
        for seg, mask, start in zip(self.segments, masks, starts, strict=False):
            row_of = np.full(len(seg.ids), -1, np.int32)
            row_of[mask] = position[start : start + int(mask.sum())]
            ids[row_of[mask]] = seg.ids[mask]
            row_maps.append(row_of)
        self.ids = ids
        self.n = n
        for name in FIELDS:
            total = sum(
                int(getattr(s, name).lengths[m].sum()) for s, m in zip(self.segments, masks)
            )
            avglen = total / n if n else 0.0
            for seg, mask, row_of in zip(self.segments, masks, row_maps, strict=True):
                self._fields[name].append(_prepare(getattr(seg, name), mask, row_of, avglen))

    @classmethod
    def build(
        cls, ids: Sequence[int], texts: Sequence[str], analyzer: Analyzer = ANALYZER
    ) -> LexicalIndex:
        """One segment over these passages (all live)."""
        return cls([LexicalSegment.build(ids, texts, analyzer)], analyzer=analyzer)

    def _scores(self, name: str, terms: list[str]) -> np.ndarray:
        out = np.zeros(self.n, np.float32)
        fields = self._fields[name]
        for term in terms:  # repeated query terms count again, as in bm25s
            hits = [(f, c) for f in fields if (c := f.vocab.get(term)) is not None]
            df = sum(f.df(c) for f, c in hits)
            if df == 0:
                continue
            idf = np.float32(math.log(1 + (self.n - df + 0.5) / (df + 0.5)))
            for f, c in hits:
                lo, hi = f.indptr[c], f.indptr[c + 1]
                out[f.rows[lo:hi]] += idf * f.weight[lo:hi]
        return out

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores of every row for the query's terms and for its n-grams."""
        terms = self.analyzer.words(query)
        if not terms or self.n == 0:
            return np.zeros(self.n, np.float32), np.zeros(self.n, np.float32)
        return self._scores("words", terms), self._scores("ngrams", self.analyzer.ngrams(terms))

    def doc_freq(self, term: str) -> int:
        """In how many live chunks a (stemmed, folded) term occurs."""
        return sum(f.df(c) for f in self._fields["words"] if (c := f.vocab.get(term)) is not None)

    def vocabulary(self) -> list[str]:
        """Every term of the words field that at least one live passage contains."""
        terms = {t for f in self._fields["words"] for t, c in f.vocab.items() if f.df(c) > 0}
        return sorted(terms)

    def save(self, folder: Path) -> None:
        """Each segment in ``folder/<i>/`` with its live mask (for tools; the index store
        writes segments itself, see index/segment.py)."""
        folder.mkdir(parents=True, exist_ok=True)
        for i, (seg, mask) in enumerate(zip(self.segments, self.live, strict=True)):
            seg.save(folder / str(i))
            if mask is not None:
                np.save(folder / str(i) / "live.npy", np.asarray(mask, bool))

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer = ANALYZER) -> LexicalIndex:
        names = sorted((p for p in folder.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
        segments = [LexicalSegment.load(p) for p in names]
        live = [np.load(p / "live.npy") if (p / "live.npy").is_file() else None for p in names]
        return cls(segments, live, analyzer)
