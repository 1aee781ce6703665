"""The keyword index on Tantivy against the BM25 it replaced, on the same index.

The previous keyword index scored every passage with bm25s' formula (Lucene's BM25,
k1 1.5, b 0.75, exact document lengths); its scores were tested equal to bm25s'.
``ReferenceLexical`` is that BM25, computed by bm25s over the snapshot's own
passages, behind the interface the search uses (``top``, ``doc_freq``,
``vocabulary``, ``ids``). ``compare`` runs the evaluation (tools/evaluation) with
both and counts the questions whose top 10 are the same passages in the same order,
so ``casechat bench`` and the tests can show the change of engine costs no quality.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace

import bm25s
import numpy as np

from answer.search import Searcher
from index.analyze import ANALYZER, Analyzer
from index.search import top_rows
from tools.evaluation.questions import Question
from tools.evaluation.run import evaluate

#: The previous keyword index's parameters (bm25s' defaults, Lucene's formula).
K1 = 1.5
B = 0.75


class ReferenceLexical:
    """bm25s over the passages of a snapshot, in its canonical row order."""

    def __init__(self, ids: np.ndarray, texts: Sequence[str], analyzer: Analyzer = ANALYZER):
        self.ids = np.asarray(ids, np.int64)
        self.n = len(self.ids)
        self.analyzer = analyzer
        terms = [analyzer.words(t) for t in texts]
        self.models = []
        for docs in (terms, [analyzer.ngrams(t) for t in terms]):
            model = bm25s.BM25(k1=K1, b=B, method="lucene")
            model.index(docs, show_progress=False)
            self.models.append(model)
        words = self.models[0]
        counts = np.diff(words.scores["indptr"])
        self._df = {t: int(counts[c]) for t, c in words.vocab_dict.items() if c < len(counts)}

    @classmethod
    def of(cls, searcher: Searcher) -> ReferenceLexical:
        ids = searcher.snapshot.lexical.ids
        chunks = searcher.snapshot.chunks
        return cls(
            ids, [chunks[int(i)].embed_text() for i in ids], searcher.snapshot.lexical.analyzer
        )

    def _top(self, model, terms: list[str], depth: int, allowed) -> tuple[list[int], dict]:
        if not terms or self.n == 0:
            return [], {}
        scores = model.get_scores(terms).astype(np.float32)
        if allowed is not None:
            scores = np.where(np.isin(self.ids, list(allowed)), scores, 0.0)
        rows = [r for r in top_rows(scores, depth) if scores[r] > 0]
        return [int(self.ids[r]) for r in rows], {int(self.ids[r]): float(scores[r]) for r in rows}

    def top(self, query: str, depth: int, allowed: Collection[int] | None = None):
        terms = self.analyzer.words(query)
        grams = self.analyzer.ngrams(terms) if terms else []
        return [
            self._top(self.models[0], terms, depth, allowed),
            self._top(self.models[1], grams, depth, allowed),
        ]

    def doc_freq(self, term: str) -> int:
        return self._df.get(term, 0)

    def vocabulary(self) -> list[str]:
        return sorted(t for t, df in self._df.items() if df > 0)


@dataclass
class Parity:
    """Tantivy vs the previous BM25, one search mode, over a question set."""

    mode: str
    questions: int
    same_top10: int  # questions whose top 10 are the same passages in the same order
    same_top10_share: float
    same_set_share: float  # ... the same passages in any order
    metrics_tantivy: dict[str, float]
    metrics_previous: dict[str, float]
    max_metric_diff: float

    def to_dict(self) -> dict:
        return asdict(self)


def compare(searcher: Searcher, questions: Sequence[Question], mode: str) -> Parity:
    """Search every question with both keyword indexes; compare tops and metrics."""
    previous = Searcher(
        replace(searcher.snapshot, lexical=ReferenceLexical.of(searcher)),
        searcher.embedder,
        searcher.fusion,
        searcher.rule,
    )
    same = same_set = 0
    for q in questions:
        a = [h.chunk.chunk_id for h in searcher.search(q.question, k=10, mode=mode).candidates]
        b = [h.chunk.chunk_id for h in previous.search(q.question, k=10, mode=mode).candidates]
        same += a == b
        same_set += set(a) == set(b)
    new = evaluate(searcher, questions, mode=mode).metrics
    old = evaluate(previous, questions, mode=mode).metrics
    n = max(len(questions), 1)
    return Parity(
        mode=mode,
        questions=len(questions),
        same_top10=same,
        same_top10_share=round(same / n, 4),
        same_set_share=round(same_set / n, 4),
        metrics_tantivy={k: round(v, 4) for k, v in new.items()},
        metrics_previous={k: round(v, 4) for k, v in old.items()},
        max_metric_diff=round(max((abs(new[k] - old[k]) for k in new), default=0.0), 4),
    )
