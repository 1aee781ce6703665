"""Rank one index: dense (FAISS), keyword (BM25) or both fused.

`Ranker.rank` cleans the question, ranks passages (fusion rules in
index/fusion.py) and returns a `Ranking`: the ordered passage ids with their
dense and keyword scores, the question vector and the expansions. Turning a
ranking into an answer (evidence, verdict, quotes) is the answer layer's job
(answer/search.py `Searcher`, a `Ranker` that also decides).
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from base.errors import QueryError
from base.settings import Settings
from index.analyze import looks_english
from index.ann import single_thread_queries
from index.encoder import Embedder, backend_of, load_embedder
from index.expand import Expander, Expansion, with_expansions
from index.fusion import Fusion, diversify, fuse
from index.manifest import Manifest
from index.sentences import SentenceScorer, context_terms
from index.store import Snapshot, check_compatible, load_snapshot
from ingest.document import Chunk, Document

MODES = ("hybrid", "dense", "bm25")
#: Longer questions are cut here, at a word boundary, with a notice. The model (e5) reads
#: 512 tokens, "query: " and the special tokens included: all of a cut Danish question
#: (1000 characters of the corpus' own text are 214-303 tokens), but only the first ~510
#: tokens of text with more than one token per character (Chinese without spaces, emoji,
#: combining marks), as the tokenizer truncates the rest. BM25 reads all 1000 characters.
MAX_QUERY_CHARS = 1000
#: Control and format characters (bidi overrides and isolates, zero-width, BOM) and lone
#: surrogates (the tokenizer cannot encode them) become spaces.
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


@dataclass(frozen=True)
class Hit:
    """One ranked passage."""

    chunk: Chunk
    document: Document
    score: float
    rank: int
    dense: float | None = None
    lexical: float | None = None


@dataclass(frozen=True)
class Ranking:
    """The passages of one index ranked for one question, best first."""

    query: str  # the question as searched (cleaned, maybe cut)
    cut: bool  # the question was longer than MAX_QUERY_CHARS and was cut
    mode: str
    ranked: list[tuple[int, float]]  # (chunk id, fused score), best first
    dense_scores: dict[int, float]
    word_scores: dict[int, float]
    vec: np.ndarray | None  # the (1, dim) question vector (None in bm25 mode)
    expansions: list[Expansion]
    timings_ms: dict[str, float] = field(default_factory=dict)


def clean_query(raw: str) -> tuple[str, bool]:
    """The question as searched, and whether it was cut.

    Control and format characters become spaces; an empty or wordless question
    is a QueryError; one longer than MAX_QUERY_CHARS is cut (see there).
    """
    text = unicodedata.normalize("NFC", raw or "")
    text = _CONTROL.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise QueryError("Skriv et spørgsmål – feltet er tomt.")
    if not re.search(r"\w", text):
        raise QueryError("Spørgsmålet indeholder ingen ord, der kan søges på. Prøv med ord.")
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    cut = text.rfind(" ", 0, MAX_QUERY_CHARS)
    return text[: cut if cut > MAX_QUERY_CHARS // 2 else MAX_QUERY_CHARS], True


def top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """Rows of the `depth` best scores, best first, ties by row as a stable sort gives.

    Partitioning first sorts only the top instead of every chunk (10x faster at 100k).
    """
    if len(scores) <= depth:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(-scores, depth - 1)[depth - 1]
    rows = np.flatnonzero(-scores <= kth)  # every row as good as the depth-th, in row order
    return rows[np.argsort(-scores[rows], kind="stable")][:depth]


class Ranker:
    """Rank one loaded index snapshot with one embedder; safe to share across threads."""

    def __init__(
        self, snapshot: Snapshot, embedder: Embedder, fusion: Fusion | None = None
    ) -> None:
        # Question vectors must come from the backend that made the index's vectors.
        check_compatible(snapshot.manifest, None, None, backend_of(embedder))
        single_thread_queries()
        self.snapshot = snapshot
        self.embedder = embedder
        self.fusion = fusion or Fusion()
        self._row_ids = snapshot.lexical.ids

    @cached_property
    def expander(self) -> Expander:
        """Compound splitting and typo mending against this index's vocabulary."""
        lex = self.snapshot.lexical
        return Expander(lex.doc_freq, lex.vocabulary())

    def scorer(self, query: str) -> SentenceScorer:
        """Scores sentences against `query` with this index's term weights."""
        lex = self.snapshot.lexical
        return SentenceScorer(query, lex.doc_freq, len(lex.ids))

    # --- small accessors, so callers need not reach into the snapshot ---------------

    def chunk(self, chunk_id: int) -> Chunk | None:
        """The passage with this id, or None."""
        return self.snapshot.chunks.get(chunk_id)

    def document(self, source: str) -> Document | None:
        """The document of this source file, or None."""
        return self.snapshot.documents.get(source)

    def documents(self) -> list[Document]:
        """Every indexed document, in source order."""
        return [self.snapshot.documents[s] for s in sorted(self.snapshot.documents)]

    def municipalities(self) -> list[str]:
        """Every municipality a passage is about, sorted."""
        return sorted({m for c in self.snapshot.chunks.values() for m in c.municipalities})

    @property
    def manifest(self) -> Manifest:
        return self.snapshot.manifest

    @property
    def name(self) -> str:
        """The index generation's folder name (for logs)."""
        return self.snapshot.path.name

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

    def _dense(
        self, vec: np.ndarray, allowed: set[int] | None
    ) -> tuple[list[int], dict[int, float]]:
        """The passages nearest to the (1, dim) question vector `vec`, with their cosines."""
        total = self.snapshot.vectors.ntotal
        k = total if allowed is not None else min(total, self.fusion.depth)
        if k == 0:
            return [], {}
        index = self.snapshot.vectors
        if allowed is None and self.snapshot.graph is not None:
            index = self.snapshot.graph  # approximate (HNSW) for large indexes: index/ann.py
        scores, ids = index.search(vec, k)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if allowed is not None:
            pairs = [(i, s) for i, s in pairs if i in allowed][: self.fusion.depth]
        return [i for i, _ in pairs], dict(pairs)

    def _lexical(self, query: str, allowed: set[int] | None):
        """(chunk ids best first, scores) for the query's words and for its n-grams."""
        return self.snapshot.lexical.top(query, self.fusion.depth, allowed)

    def _rerank_by_sentence(
        self, query: str, ranked: list[tuple[int, float]]
    ) -> list[tuple[int, float]]:
        """The top of the fused ranking re-scored with each passage's best sentence."""
        depth = self.fusion.rerank_depth
        scorer = self.scorer(query)
        chunks, weight = self.snapshot.chunks, self.fusion.sentence
        top = [
            (cid, score + weight * scorer.best(chunks[cid].text, context_terms(chunks[cid])))
            for cid, score in ranked[:depth]
        ]
        return sorted(top, key=lambda p: (-p[1], p[0])) + ranked[depth:]

    def rank(
        self,
        question: str,
        mode: str = "hybrid",
        sources: set[str] | None = None,
        municipalities: set[str] | None = None,
        vec: np.ndarray | None = None,
    ) -> Ranking:
        """Rank the passages (of `sources` and `municipalities`, if given) for `question`.

        `vec` is the question's (1, dim) vector if already embedded (a batch at build)."""
        if mode not in MODES:
            raise QueryError(f"Ukendt søgemåde '{mode}'. Vælg en af: {', '.join(MODES)}.")
        query, cut = clean_query(question)
        allowed = self._allowed(sources, municipalities)
        t0 = time.perf_counter()
        if mode == "bm25":
            vec = None
        elif vec is None:
            vec = self.embedder.embed_queries([query])
        dense_order, dense_scores = self._dense(vec, allowed) if vec is not None else ([], {})
        t1 = time.perf_counter()
        expansions = self.expander.expand(query)
        (word_order, word_scores), (gram_order, gram_scores) = (
            self._lexical(with_expansions(query, expansions), allowed)
            if mode != "dense"
            else (([], {}), ([], {}))
        )
        t2 = time.perf_counter()
        if mode == "dense":
            ranked = [(cid, dense_scores[cid]) for cid in dense_order]
        elif mode == "bm25":
            ranked = [(cid, word_scores[cid]) for cid in word_order]
            if not ranked:  # no whole-word match: fall back to n-grams
                ranked = sorted(gram_scores.items(), key=lambda p: -p[1])
        else:
            scores = (dense_scores, word_scores, gram_scores)
            fusion = self.fusion.for_foreign_question() if looks_english(query) else self.fusion
            ranked = fuse(fusion, scores, (dense_order, word_order, gram_order))
            if self.fusion.sentence > 0:
                ranked = self._rerank_by_sentence(query, ranked)
            if self.fusion.same_document < 1.0:
                chunks = self.snapshot.chunks
                source_of = {cid: chunks[cid].source for cid, _ in ranked}
                ranked = diversify(ranked, source_of, self.fusion.same_document)
        t3 = time.perf_counter()
        timings = dict(
            dense_ms=(t1 - t0) * 1e3,
            lexical_ms=(t2 - t1) * 1e3,
            fuse_ms=(t3 - t2) * 1e3,
            total_ms=(t3 - t0) * 1e3,
        )
        return Ranking(
            query, cut, mode, ranked, dense_scores, word_scores, vec, expansions, timings
        )

    def hits(self, ranking: Ranking, k: int) -> list[Hit]:
        """The `k` best passages of a ranking as hits."""
        chunks, documents = self.snapshot.chunks, self.snapshot.documents
        return [
            Hit(
                chunk=chunks[cid],
                document=documents[chunks[cid].source],
                score=float(score),
                rank=rank,
                dense=ranking.dense_scores.get(cid),
                lexical=ranking.word_scores.get(cid),
            )
            for rank, (cid, score) in enumerate(ranking.ranked[:k], start=1)
        ]


def open_ranker(settings: Settings, embedder: Embedder | None = None) -> Ranker:
    """Load the live index of `settings.index_dir` (refusing a mismatched one) and the
    model it was built with (or `embedder`), ready to rank."""
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    return Ranker(snapshot, embedder or load_embedder(settings.model))
