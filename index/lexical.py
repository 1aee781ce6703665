"""BM25 keyword search on Tantivy over two fields: whole terms and their n-grams.

The terms are our own Danish analysis (index/analyze.py: stems, folded æøå, n-grams);
Tantivy indexes them as given (its whitespace tokenizer) and does the rest: postings,
segments, deletions, merges, atomic commits, memory-mapped files and top-k retrieval
with block-max WAND. A generation of the index (index/store.py) holds one Tantivy
index in ``lexical/``; a build hard-links the previous one's files and commits its
deletions and additions on top (index/lexical_write.py).

Tantivy's own BM25 has k1 1.2 and document lengths rounded to one byte; with them
only 4 in 10 questions kept the exact top 10 of the BM25 it replaced (bm25s: k1 1.5,
exact lengths). So Tantivy picks the candidates (its best ``depth + CANDIDATES``
per field), and they are scored again with bm25s' formula from the passage's stored
terms: exact lengths, k1 1.5, the average length over the live passages (a sum
Tantivy aggregates), document frequencies from Tantivy's term dictionary (deleted
passages count until merged, as in Lucene; a small library has none, see
index/lexical_write.py). Ties are broken by the canonical row order of ``ids``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import tantivy

from index.analyze import ANALYZER, Analyzer
from index.lexical_counts import gram_counts, word_counts

FIELDS = ("words", "ngrams")
#: The lengths field of each term field (fast fields, summed for the average length).
LENGTHS = {"words": "words_len", "ngrams": "ngrams_len"}
#: BM25's parameters, those of the BM25 Tantivy replaced (bm25s' defaults).
K1 = 1.5
B = 0.75
#: Candidates from Tantivy beyond the depth asked for, re-scored exactly.
CANDIDATES = 50
#: Memory of the Tantivy writer (one thread): bounds a build's memory.
WRITER_HEAP = 64_000_000
ENGINE = f"tantivy {tantivy.__version__.split(',')[0].removeprefix('tantivy v')}"


def schema() -> tantivy.Schema:
    """id (chunk id, fast), source (for deletions), and the two term fields."""
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
    sb.add_text_field("source", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("words", stored=True, tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field("ngrams", tokenizer_name="whitespace", index_option="freq")
    for name in LENGTHS.values():
        sb.add_integer_field(name, fast=True)
    return sb.build()


def passage_document(
    chunk_id: int, source: str, text: str, analyzer: Analyzer = ANALYZER
) -> tantivy.Document:
    """One passage as Tantivy stores it: its analysed terms, joined by spaces."""
    terms = analyzer.words(text)
    grams = analyzer.ngrams(terms)
    return tantivy.Document(
        id=int(chunk_id),
        source=source,
        words=" ".join(terms),
        ngrams=" ".join(grams),
        words_len=len(terms),
        ngrams_len=len(grams),
    )


class LexicalIndex:
    """The search's view of BM25: top passages per field, document frequencies."""

    def __init__(
        self,
        index: tantivy.Index,
        ids: np.ndarray,
        analyzer: Analyzer = ANALYZER,
        deleted: int = 0,
    ) -> None:
        self.index = index
        self.schema = index.schema
        self.searcher = index.searcher()
        #: Live chunk ids in canonical row order (ties rank by this order).
        self.ids = np.asarray(ids, np.int64)
        self.n = len(self.ids)
        self.analyzer = analyzer
        #: Passages deleted but still in Tantivy's statistics (document frequencies).
        self.deleted = deleted
        self.has_deletions = deleted > 0
        self._sorter = np.argsort(self.ids, kind="stable")
        self._df: dict[str, int] = {}
        self._raw_df: dict[tuple[str, str], int] = {}
        self._avglen: dict[str, float] | None = None
        self._vocabulary: list[str] | None = None

    @classmethod
    def open(
        cls, folder: Path, ids: np.ndarray, deleted: int, analyzer: Analyzer = ANALYZER
    ) -> LexicalIndex:
        """Open a Tantivy index on disk (memory-mapped; nothing is read up front)."""
        return cls(tantivy.Index.open(str(folder)), ids, analyzer, deleted)

    @classmethod
    def build(
        cls,
        ids: Sequence[int],
        texts: Sequence[str],
        analyzer: Analyzer = ANALYZER,
        sources: Sequence[str] | None = None,
    ) -> LexicalIndex:
        """An index in memory over these passages (tools, tests)."""
        index = tantivy.Index(schema())
        writer = index.writer(WRITER_HEAP, 1)
        for i, (cid, text) in enumerate(zip(ids, texts, strict=True)):
            source = sources[i] if sources is not None else ""
            writer.add_document(passage_document(cid, source, text, analyzer))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return cls(index, np.asarray(list(ids), np.int64), analyzer)

    # --- scoring ------------------------------------------------------------------

    def rows_of(self, ids: Sequence[int]) -> np.ndarray:
        """Canonical rows of these chunk ids."""
        at = np.searchsorted(self.ids, np.asarray(ids, np.int64), sorter=self._sorter)
        return self._sorter[at]

    def _query(self, name: str, terms: list[str], allowed: Collection[int] | None):
        # Repeated query terms count again, as in bm25s: one clause each.
        clauses = [
            (tantivy.Occur.Should, tantivy.Query.term_query(self.schema, name, t)) for t in terms
        ]
        query = tantivy.Query.boolean_query(clauses)
        if allowed is None:
            return query
        only = tantivy.Query.term_set_query(self.schema, "id", [int(i) for i in allowed])
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, tantivy.Query.const_score_query(only, 0.0)),
            ]
        )

    def _candidates(self, name: str, terms: list[str], limit: int, allowed) -> list:
        """Tantivy's best ``limit`` passages for these terms: (its score, address)."""
        query = self._query(name, terms, allowed)
        return self.searcher.search(query, limit, count=False).hits

    def _stats(self, name: str, term: str) -> float:
        """BM25's idf of a term (Lucene's, as bm25s): document frequency from Tantivy's
        term dictionary, so deleted passages not yet merged count, in both terms."""
        key = (name, term)
        df = self._raw_df.get(key)
        if df is None:
            df = self._raw_df[key] = int(self.searcher.doc_freq(name, term))
        n = self.n + self.deleted
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0

    def avglen(self, name: str) -> float:
        """Average length of the live passages in a field (Tantivy sums the lengths)."""
        if self._avglen is None:
            aggs = {f: {"sum": {"field": LENGTHS[f]}} for f in FIELDS}
            sums = self.searcher.aggregate(tantivy.Query.all_query(), aggs) if self.n else {}
            self._avglen = {
                f: float((sums.get(f) or {}).get("value") or 0.0) / max(self.n, 1) for f in FIELDS
            }
        return self._avglen[name]

    def _score(
        self, name: str, terms: list[str], tf: np.ndarray, lengths: np.ndarray
    ) -> np.ndarray:
        """bm25s' BM25 (no k1 + 1 factor) of passages with these lengths and term counts
        (one column per distinct term, in order of first use), in float32 as it was."""
        out = np.zeros(len(lengths), np.float32)
        avglen = max(self.avglen(name), 1e-9)
        norm = (K1 * (1 - B + B * lengths.astype(np.float64) / avglen)).astype(np.float32)
        column = {t: i for i, t in enumerate(dict.fromkeys(terms))}
        for term in terms:  # repeated query terms count again, as in bm25s
            idf = np.float32(self._stats(name, term))
            if not idf:
                continue
            counts = tf[:, column[term]]
            out += idf * (counts / (counts + norm))
        return out

    def _top(
        self, terms: list[str], depth: int, allowed: Collection[int] | None
    ) -> list[tuple[list[int], dict[int, float]]]:
        empty: list[tuple[list[int], dict[int, float]]] = [([], {}), ([], {})]
        if not terms or self.n == 0 or depth <= 0 or (allowed is not None and not allowed):
            return empty
        grams = self.analyzer.ngrams(terms)
        found: dict[tuple[int, int], object] = {}
        for name, query_terms in (("words", terms), ("ngrams", grams)):
            for _, address in self._candidates(name, query_terms, depth + CANDIDATES, allowed):
                found.setdefault((address.segment_ord, address.doc), address)
        if not found:
            return empty
        addresses = list(found.values())
        fast = self.searcher.fast_field_values
        ids = np.asarray(fast("id", addresses), np.int64)
        texts = [self.searcher.doc(a).get_first("words") or "" for a in addresses]
        per_field = (
            ("words", terms, word_counts(texts, list(dict.fromkeys(terms)))),
            ("ngrams", grams, gram_counts(texts, list(dict.fromkeys(grams)), self.analyzer.ngram)),
        )
        out = []
        for name, query_terms, counts in per_field:
            lengths = np.asarray(fast(LENGTHS[name], addresses), np.int64)
            out.append(self._ranked(ids, self._score(name, query_terms, counts, lengths), depth))
        return out

    def _ranked(
        self, ids: np.ndarray, scores: np.ndarray, depth: int
    ) -> tuple[list[int], dict[int, float]]:
        """The best ``depth`` (score, then canonical row), scores above zero."""
        if not len(ids):
            return [], {}
        order = [i for i in np.lexsort((self.rows_of(ids), -scores))[:depth] if scores[i] > 0]
        return [int(ids[i]) for i in order], {int(ids[i]): float(scores[i]) for i in order}

    def top(
        self, query: str, depth: int, allowed: Collection[int] | None = None
    ) -> list[tuple[list[int], dict[int, float]]]:
        """The best `depth` passages for the query's terms and for its n-grams: per field
        (chunk ids best first, score by chunk id); only ``allowed`` ids when given."""
        return self._top(self.analyzer.words(query), depth, allowed)

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores of every row (canonical order) for the query's terms and n-grams
        (every matching passage is fetched: for tools and tests, not the search)."""
        out = []
        for ids, by_id in self.top(query, self.n):
            row = np.zeros(self.n, np.float32)
            if ids:
                row[self.rows_of(ids)] = [by_id[i] for i in ids]
            out.append(row)
        return out[0], out[1]

    # --- statistics -----------------------------------------------------------------

    def doc_freq(self, term: str) -> int:
        """In how many live chunks a (stemmed, folded) term occurs."""
        found = self._df.get(term)
        if found is None:
            if not self.has_deletions:
                found = int(self.searcher.doc_freq("words", term))
            else:
                query = tantivy.Query.term_query(self.schema, "words", term)
                found = int(self.searcher.search(query, 1, count=True).count or 0)
            self._df[term] = found
        return found

    def vocabulary(self) -> list[str]:
        """Every term of the words field that at least one live passage contains."""
        if self._vocabulary is None:
            live = tantivy.Query.all_query() if self.has_deletions else None
            pairs = self.searcher.terms_with_prefix("words", "", filter_query=live)
            self._vocabulary = sorted(t for t, count in pairs if count > 0)
        return self._vocabulary
