"""BM25 keyword search (bm25s) over two fields: whole terms and their n-grams.

Built from the chunk texts at every index build (it takes well under a second
per 10k chunks), saved beside the FAISS file, and loaded once: never rebuilt
per query. Row i of both BM25 matrices is the chunk `ids[i]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from index.analyze import ANALYZER, Analyzer

FIELDS = ("words", "ngrams")


@dataclass
class LexicalIndex:
    ids: np.ndarray  # int64 chunk ids, row order
    words: bm25s.BM25
    ngrams: bm25s.BM25
    #: How texts and questions become terms; another one only to compare (tools/sweep).
    analyzer: Analyzer = ANALYZER

    @classmethod
    def build(
        cls, ids: Sequence[int], texts: Sequence[str], analyzer: Analyzer = ANALYZER
    ) -> LexicalIndex:
        terms = [analyzer.words(t) for t in texts]
        return cls(
            ids=np.asarray(ids, dtype=np.int64),
            words=_bm25(terms),
            ngrams=_bm25([analyzer.ngrams(t) for t in terms]),
            analyzer=analyzer,
        )

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores of every row for the query's terms and for its n-grams."""
        terms = self.analyzer.words(query)
        n = len(self.ids)
        if not terms or n == 0:
            return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
        word_scores = self.words.get_scores(terms) if self.words is not None else np.zeros(n)
        gram_scores = (
            self.ngrams.get_scores(self.analyzer.ngrams(terms))
            if self.ngrams is not None
            else np.zeros(n)
        )
        return np.asarray(word_scores, np.float32), np.asarray(gram_scores, np.float32)

    def doc_freq(self, term: str) -> int:
        """In how many chunks a (stemmed, folded) term occurs: read off the BM25 matrix."""
        if self.words is None or term not in self.words.vocab_dict:
            return 0
        col = self.words.vocab_dict[term]
        indptr = self.words.scores["indptr"]
        return int(indptr[col + 1] - indptr[col])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "ids.npy", self.ids)
        for name in FIELDS:
            model = getattr(self, name)
            if model is not None:
                model.save(str(folder / name))

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        ids = np.load(folder / "ids.npy")
        models = {
            name: bm25s.BM25.load(str(folder / name)) if (folder / name).is_dir() else None
            for name in FIELDS
        }
        return cls(ids=ids, **models)


def _bm25(corpus: list[list[str]]) -> bm25s.BM25 | None:
    if not corpus or not any(corpus):
        return None  # bm25s cannot index an empty vocabulary
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    return model
