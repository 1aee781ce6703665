"""Search: dense (FAISS), keyword (BM25) or both fused, and knowing when to say "nothing".

Hybrid fusion is a convex combination of normalized scores: each list's
scores are min-max scaled to [0, 1] for this question (BM25 from its natural
floor 0, cosine from the lowest cosine read), then weighted and summed, so the
fused score lies in [0, 1] when the weights sum to 1. Unlike reciprocal rank
fusion (`Fusion(method="rrf")`: w / (k + rank) per list) it keeps *how much*
better the top passage of a list is: a passage far ahead on meaning is not
overtaken by one that is third in every list. On the evaluation set it beat
the best RRF setting by about 0.03 MRR@10 (eval/RESULTS.md), as Bruch et al.
(2023, "An Analysis of Fusion Functions for Hybrid Retrieval") also found.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from base.errors import QueryError
from base.settings import DEFAULT_MODEL
from index.analyze import looks_english, names, words
from index.ann import single_thread_queries
from index.embed import Embedder, backend_of
from index.store import Snapshot, check_compatible
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
class Fusion:
    """How hybrid mode combines the dense, word and n-gram lists (see the module docstring).

    The weights are shares of the fused score: half meaning, half keywords.
    `k` is only used by the "rrf" method.
    """

    dense: float = 0.5
    words: float = 0.4
    ngrams: float = 0.1
    depth: int = 100
    method: str = "convex"
    k: int = 60


@dataclass(frozen=True)
class Evidence:
    """What the abstention rule looks at for one question."""

    dense_top: float  # best cosine between the question and any passage
    coverage: float  # IDF-weighted share of the question's words found in the best passages
    english: bool  # the question is not in the corpus' language: its words cannot match
    unknown: tuple[str, ...] = ()  # names in the question that no passage mentions


@dataclass(frozen=True)
class AbstainRule:
    """When to answer "no relevant passage"; the first rule that fires decides.

    1. The question names something no passage mentions ("Aarhus", "ChatGPT"):
       the cases cannot be about it.
    2. The best cosine is below `min_dense`: the question is far from every passage.
    3. The best cosine is below `confident_dense` and the keyword evidence (the
       IDF-weighted share of the question's content words found in the best
       `evidence_depth` passages) is below `min_coverage`. Dense cosine alone
       cannot separate near-domain questions the cases do not answer (their
       cosines overlap real ones); their specific words are what is missing.

    Rules 1 and 3 use words, so they only apply to questions in Danish: an
    English question shares no words with the Danish text and is judged by
    its cosine alone (rule 2). In bm25 mode there is no cosine: rules 1 and 3.
    """

    min_dense: float = 0.78
    confident_dense: float = 0.86
    min_coverage: float = 0.25
    evidence_depth: int = 3
    unknown_names: bool = True

    @classmethod
    def for_model(cls, model: str) -> AbstainRule:
        """The cosine thresholds are calibrated for the default model (e5 cosines
        sit in a narrow band); for any other model only keyword evidence counts."""
        if model == DEFAULT_MODEL:
            return cls()
        return cls(min_dense=-1.0, confident_dense=2.0)

    def reason(self, mode: str, ev: Evidence) -> str:
        """Why to abstain ("" = answer): "names", "far" or "weak"."""
        words_count = not ev.english
        if words_count and self.unknown_names and ev.unknown:
            return "names"
        if mode == "bm25":
            return "weak" if ev.coverage < self.min_coverage else ""
        if ev.dense_top < self.min_dense:
            return "far"
        if words_count and ev.dense_top < self.confident_dense:
            return "weak" if ev.coverage < self.min_coverage else ""
        return ""


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
    #: The ranked hits before the abstention decision (what evaluation scores).
    candidates: list[Hit] = field(default_factory=list)
    #: Names in the question that no passage mentions (why it may have abstained).
    unknown: tuple[str, ...] = ()


def clean_query(raw: str) -> tuple[str, str]:
    """The question as searched, and a notice for the person if it was cut.

    Control and format characters become spaces; an empty or wordless question
    is a QueryError in Danish; one longer than MAX_QUERY_CHARS is cut (see there).
    """
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


def _top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    """Rows of the `depth` best scores, best first, ties by row as a stable sort gives.

    Partitioning first sorts only the top instead of every chunk (10x faster at 100k).
    """
    if len(scores) <= depth:
        return np.argsort(-scores, kind="stable")
    kth = np.partition(-scores, depth - 1)[depth - 1]
    rows = np.flatnonzero(-scores <= kth)  # every row as good as the depth-th, in row order
    return rows[np.argsort(-scores[rows], kind="stable")][:depth]


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
        # Question vectors must come from the backend that made the index's vectors.
        check_compatible(snapshot.manifest, None, None, backend_of(embedder))
        single_thread_queries()
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
        index = self.snapshot.vectors
        if allowed is None and self.snapshot.graph is not None:
            index = self.snapshot.graph  # approximate (HNSW) for large indexes: index/ann.py
        scores, ids = index.search(vec, k)
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
            top = _top_rows(scores, self.fusion.depth)
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

    def unknown_names(self, query: str) -> tuple[str, ...]:
        """Names in the question (see `analyze.names`) with a word no passage contains."""
        lex = self.snapshot.lexical
        return tuple(
            name for name in names(query) if any(lex.doc_freq(t) == 0 for t in words(name))
        )

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
        (word_order, word_scores), (gram_order, gram_scores) = (
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
        elif self.fusion.method == "convex":
            ranked = self._convex(dense_scores, word_scores, gram_scores)
        else:
            ranked = self._fuse(dense_order, word_order, gram_order)
        t3 = time.perf_counter()
        timings.update(
            dense_ms=(t1 - t0) * 1e3, lexical_ms=(t2 - t1) * 1e3, fuse_ms=(t3 - t2) * 1e3
        )

        top_ids = [cid for cid, _ in ranked[: max(k, self.rule.evidence_depth)]]
        evidence = Evidence(
            dense_top=max(dense_scores.values(), default=0.0),
            coverage=self.coverage(query, top_ids[: self.rule.evidence_depth]),
            english=looks_english(query),
            unknown=self.unknown_names(query),
        )
        reason = self.rule.reason(mode, evidence) if ranked else "nothing"
        abstained = bool(reason)
        if reason == "names":
            quoted = [f"»{n}«" for n in evidence.unknown[:3]]
            shown = " og ".join(filter(None, [", ".join(quoted[:-1]), quoted[-1]]))
            notice = " ".join(filter(None, [notice, f"Casene nævner ikke {shown}."]))
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
            query,
            [] if abstained else hits,
            abstained,
            evidence.dense_top,
            evidence.coverage,
            notice,
            timings,
            candidates=hits,
            unknown=evidence.unknown,
        )

    def _fuse(self, *lists: list[int]) -> list[tuple[int, float]]:
        """Weighted reciprocal rank fusion of the ranked lists."""
        f = self.fusion
        scores: dict[int, float] = {}
        for order, weight in zip(lists, (f.dense, f.words, f.ngrams), strict=True):
            for cid, rank in _ranks(order).items():
                scores[cid] = scores.get(cid, 0.0) + weight / (f.k + rank)
        return sorted(scores.items(), key=lambda p: (-p[1], p[0]))

    def _convex(self, *score_maps: dict[int, float]) -> list[tuple[int, float]]:
        """Weighted sum of min-max normalized scores (dense, words, n-grams)."""
        f = self.fusion
        scores: dict[int, float] = {}
        for found, weight in zip(score_maps, (f.dense, f.words, f.ngrams), strict=True):
            if not found or not weight:
                continue
            hi, lo = max(found.values()), min(found.values())
            if found is not score_maps[0]:
                lo = 0.0  # BM25's own floor: a passage without the words scores 0
            span = hi - lo
            for cid, value in found.items():
                norm = (value - lo) / span if span > 0 else 1.0
                scores[cid] = scores.get(cid, 0.0) + weight * norm
        return sorted(scores.items(), key=lambda p: (-p[1], p[0]))
