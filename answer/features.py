"""Query-performance features of one (question, passage) pair, for the answer model.

Every feature is something any index has, cheap at query time (the passage's
vector is in memory, its words are analysed once per question):

- ``cos``: the passage's cosine to the question; ``gap``: that cosine above the
  question's median cosine to a fixed sample of the index's passages (its
  standing against the index's own cosine distribution); ``domain``: that median;
  ``spread``: the best dense cosine minus the tenth best.
- ``bm25``: 1/rank of the passage in the keyword ranking (0 if absent);
  ``agree``: the dense and the keyword rankings have the same best passage;
  ``fused``: 1/rank in the fused ranking.
- ``cover``: IDF-weighted share of the question's content words in the passage
  (compounds and typos expanded); ``sentence``: the same for its best sentence
  (with word parts, answer/quote.py); ``unknown``: share of the question's
  content words the index has nowhere.
- ``names``: the question names something no passage mentions; ``place``: the
  question names a municipality of the index and the passage is not about it;
  ``detail``: the question asks for a number, amount or time and the passage's
  best sentence holds none.

An English question shares no words with Danish passages: its word features are
read as for a question whose words all match (the cosines judge it), and its
cosines are shifted by the gap between English and Danish text of other
domains measured on the index at build time (answer/model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from answer.answer_type import expected_type, holds
from answer.evidence import Evidencer
from answer.quote import Passage, best_sentences
from index.analyze import looks_english, words
from index.search import Ranking

FEATURES = (
    "cos",
    "gap",
    "domain",
    "spread",
    "bm25",
    "agree",
    "fused",
    "cover",
    "sentence",
    "unknown",
    "names",
    "place",
    "detail",
)
#: Passages of a ranking that get a probability (the answer's cards are among them).
DEPTH = 5


@dataclass(frozen=True)
class QuestionView:
    """What every passage's features share for one question."""

    english: bool
    domain: float
    spread: float
    unknown: float
    names: bool
    places: frozenset[str]  # municipalities of the index the question names
    kind: str | None  # the asked-for number, amount or time, if any
    bm25_rank: dict[int, int]
    agree: bool


def unknown_share(query: str, ev: Evidencer, ranking: Ranking) -> float:
    """Share of the question's content words that no passage has (nor their compound
    parts or mended spelling), each word counted once."""
    terms = set(words(query))
    if not terms:
        return 0.0
    expanded = {e.word for e in ranking.expansions}
    lex = ev.snapshot.lexical
    return sum(lex.doc_freq(t) == 0 and t not in expanded for t in terms) / len(terms)


class Featurizer:
    """Features of the top passages of a ranking, against one index."""

    def __init__(self, evidence: Evidencer) -> None:
        self.evidence = evidence
        self.snapshot = evidence.snapshot
        self._places = {m: tuple(words(m)) for m in self._municipalities()}

    def _municipalities(self) -> set[str]:
        return {m for c in self.snapshot.chunks.values() for m in c.municipalities}

    @lru_cache(maxsize=4096)  # noqa: B019 - one featurizer per index, bounded
    def _words(self, cid: int) -> frozenset[str]:
        return frozenset(words(self.snapshot.chunks[cid].embed_text()))

    def _cover(self, query: str, cid: int, ranking: Ranking) -> float:
        """IDF-weighted share of the question's words in the passage (as Evidencer.coverage,
        with the passage's words analysed once)."""
        terms = set(words(query))
        if not terms:
            return 0.0
        found = self._words(cid)
        stands_for = {e.word: set(e.terms) for e in ranking.expansions}
        lex, n = self.snapshot.lexical, len(self.snapshot.lexical.ids)
        weight = {t: np.log(1 + n / (1 + lex.doc_freq(t))) for t in terms}
        total = sum(weight.values())
        hit = sum(w for t, w in weight.items() if t in found or stands_for.get(t, {""}) <= found)
        return float(hit / total) if total else 0.0

    def view(self, ranking: Ranking) -> QuestionView:
        query, ev = ranking.query, self.evidence
        english = looks_english(query)
        domain = 0.0
        if ranking.vec is not None and len(ev.sample):
            domain = float(np.median(ev.sample @ ranking.vec[0]))
        dense = sorted(ranking.dense_scores.values(), reverse=True)
        spread = dense[0] - dense[min(9, len(dense) - 1)] if dense else 0.0
        terms = set(words(query))
        places = frozenset(m for m, t in self._places.items() if t and set(t) <= terms)
        word_order = sorted(ranking.word_scores, key=lambda c: -ranking.word_scores[c])
        bm25_rank = {cid: n for n, cid in enumerate(word_order, start=1)}
        dense_best = max(ranking.dense_scores, key=ranking.dense_scores.get, default=None)
        return QuestionView(
            english=english,
            domain=domain,
            spread=spread,
            unknown=0.0 if english else unknown_share(query, ev, ranking),
            names=bool(ev.unknown_names(query)) and not english,
            places=places,
            kind=expected_type(query),
            bm25_rank=bm25_rank,
            agree=bool(word_order) and word_order[0] == dense_best,
        )

    def rows(
        self, ranking: Ranking, depth: int = DEPTH, shift: float = 0.0
    ) -> tuple[list[int], np.ndarray]:
        """The chunk ids of the top `depth` passages and their feature rows (FEATURES order).

        `shift` is added to an English question's cosines (answer/model.py)."""
        cids = [cid for cid, _ in ranking.ranked[:depth]]
        if not cids:
            return [], np.zeros((0, len(FEATURES)), np.float32)
        view = self.view(ranking)
        query, ev = ranking.query, self.evidence
        chunks = self.snapshot.chunks
        scorer = ev.scorer(query)
        passages = [
            Passage(n, cid, chunks[cid].text, 0.0, ev.forms(cid, header=True))
            for n, cid in enumerate(cids)
        ]
        quotes = {q.chunk_id: q for q in best_sentences(scorer, passages)}
        vec = ranking.vec[0] if ranking.vec is not None else None
        offset = shift if view.english else 0.0
        out = []
        for rank, cid in enumerate(cids, start=1):
            chunk = chunks[cid]
            if vec is not None:
                cos = ranking.dense_scores.get(cid)
                cos = float(self.snapshot.vector(cid) @ vec) if cos is None else cos
            else:
                cos = 0.0
            quote = quotes.get(cid)
            if view.english:
                cover = sentence = 1.0
            else:
                cover = self._cover(query, cid, ranking)
                sentence = scorer.match(quote.text, ev.forms(cid, header=True)) if quote else 0.0
            about = set(chunk.municipalities)
            place = bool(view.places) and not (view.places & about)
            detail = view.kind is not None and not (quote and holds(quote.text, view.kind))
            out.append(
                [
                    cos + offset,
                    cos - view.domain,
                    view.domain + offset,
                    view.spread,
                    1.0 / view.bm25_rank[cid] if cid in view.bm25_rank else 0.0,
                    float(view.agree),
                    1.0 / rank,
                    cover,
                    sentence,
                    view.unknown,
                    float(view.names),
                    float(place),
                    float(detail),
                ]
            )
        return cids, np.asarray(out, np.float32)
