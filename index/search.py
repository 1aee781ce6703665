"""Search one index: dense (FAISS), keyword (BM25) or both fused, and the decision.

`Searcher.search` ranks passages (fusion rules in index/fusion.py), gathers the
evidence for the answer/abstain decision (index/decision.py) and returns a
`SearchResult` that carries the ranked hits, the decision with its reason code
and its evidence. It writes no text for people: wording is made in the chat and
the CLI. `open_searcher` is the one way to open a searcher for an index folder.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field, replace

import numpy as np

from base.errors import QueryError
from base.settings import Settings
from index.analyze import looks_english
from index.ann import single_thread_queries
from index.decision import AbstainRule, Decision, Evidence, rule_for_model
from index.encoder import Embedder, backend_of, load_embedder
from index.evidence import Evidencer, context_terms, with_expansions
from index.fusion import Fusion, diversify, fuse
from index.manifest import Manifest
from index.quote import Passage, Quote, best_sentences, short_answer
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
    chunk: Chunk
    document: Document
    score: float
    rank: int
    dense: float | None = None
    lexical: float | None = None
    #: The passage's sentence that best answers the question (index/quote.py).
    best: Quote | None = None


@dataclass(frozen=True)
class SearchResult:
    """The ranked passages for one question and the decision on them."""

    query: str  # the question as searched (cleaned, maybe cut)
    hits: list[Hit]  # what to show: empty when the decision is to abstain
    decision: Decision
    #: The question was longer than MAX_QUERY_CHARS and was cut (to len(query)).
    cut: bool = False
    timings_ms: dict[str, float] = field(default_factory=dict)
    #: The ranked hits before the decision (what evaluation scores).
    candidates: list[Hit] = field(default_factory=list)
    #: The one or two sentences of the shown passages that best answer (empty for `none`).
    short_answer: tuple[Quote, ...] = ()

    @property
    def verdict(self) -> str:
        return self.decision.verdict

    @property
    def abstained(self) -> bool:
        return self.decision.abstained

    @property
    def evidence(self) -> Evidence:
        return self.decision.evidence

    @property
    def dense_top(self) -> float:
        return self.decision.evidence.dense_top

    @property
    def coverage(self) -> float:
        return self.decision.evidence.coverage

    @property
    def unknown(self) -> tuple[str, ...]:
        """Names in the question that no passage mentions."""
        return self.decision.evidence.unknown


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


class Searcher:
    """Search one loaded index snapshot with one embedder; safe to share across threads."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        fusion: Fusion | None = None,
        rule: AbstainRule | None = None,
    ) -> None:
        # Question vectors must come from the backend that made the index's vectors.
        check_compatible(snapshot.manifest, None, None, backend_of(embedder))
        single_thread_queries()
        self.snapshot = snapshot
        self.embedder = embedder
        self.fusion = fusion or Fusion()
        self.rule = rule or rule_for_model(embedder.name)
        self._row_ids = snapshot.lexical.ids
        self.evidence = Evidencer(snapshot, self.municipalities())

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
        scorer = self.evidence.scorer(query)
        chunks, weight = self.snapshot.chunks, self.fusion.sentence
        top = [
            (cid, score + weight * scorer.best(chunks[cid].text, context_terms(chunks[cid])))
            for cid, score in ranked[:depth]
        ]
        return sorted(top, key=lambda p: (-p[1], p[0])) + ranked[depth:]

    def _quote(self, query: str, hits: list[Hit]) -> tuple[list[Hit], tuple[Quote, ...]]:
        """The hits with their best sentences, and the short answer over them."""
        if not hits:
            return hits, ()
        scorer = self.evidence.scorer(query)
        top = max(h.score for h in hits) or 1.0
        passages = [
            Passage(h.rank, h.chunk.chunk_id, h.chunk.text, h.score / top, context_terms(h.chunk))
            for h in hits
        ]
        quotes = best_sentences(scorer, passages)
        by_rank = {q.rank: q for q in quotes}
        return [replace(h, best=by_rank.get(h.rank)) for h in hits], short_answer(quotes)

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
        query, cut = clean_query(question)
        allowed = self._allowed(sources, municipalities)
        t0 = time.perf_counter()
        vec = self.embedder.embed_queries([query]) if mode != "bm25" else None
        dense_order, dense_scores = self._dense(vec, allowed) if vec is not None else ([], {})
        t1 = time.perf_counter()
        expansions = self.evidence.expander.expand(query)
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
            dense_ms=(t1 - t0) * 1e3, lexical_ms=(t2 - t1) * 1e3, fuse_ms=(t3 - t2) * 1e3
        )
        decision = self.evidence.decide(
            query, mode, ranked, dense_scores, vec, expansions, self.rule
        )
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
        t4 = time.perf_counter()
        hits, short = self._quote(query, hits)
        timings["quote_ms"] = (time.perf_counter() - t4) * 1e3
        timings["total_ms"] = (time.perf_counter() - t0) * 1e3
        return SearchResult(
            query,
            [] if decision.abstained else hits,
            decision,
            cut=cut,
            timings_ms=timings,
            candidates=hits,
            short_answer=() if decision.abstained else short,
        )


def open_searcher(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    fusion: Fusion | None = None,
    rule: AbstainRule | None = None,
) -> Searcher:
    """Load the live index of `settings.index_dir` (refusing a mismatched one) and the
    model it was built with (or `embedder`), ready to search."""
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    return Searcher(snapshot, embedder or load_embedder(settings.model), fusion=fusion, rule=rule)
