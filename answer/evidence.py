"""The evidence the answer/abstain decision looks at, gathered on one ranking.

Keyword coverage (with compounds and typos expanded, index/expand.py), names
the passages never mention, known subjects, the domain cosine against the
calibration sample (answer/calibrate.py) and the expected answer type
(answer/answer_type.py) become one `Evidence`, which `AbstainRule.decide`
turns into a `Decision` (answer/decision.py).
"""

from __future__ import annotations

import numpy as np

from answer.answer_type import expected_type, holds
from answer.calibrate import Calibration, domain_cosine, sample_vectors
from answer.decision import AbstainRule, Decision, Evidence
from answer.quote import Passage, SentenceScorer, best_sentences
from index.analyze import looks_english, names, words
from index.expand import Expansion
from index.sentences import context_terms
from index.store import Snapshot


class Evidencer:
    """Gathers the evidence for questions against one index snapshot."""

    def __init__(self, snapshot: Snapshot, municipalities: list[str]) -> None:
        self.snapshot = snapshot
        self.n_docs = len(snapshot.lexical.ids)
        self.places = {tuple(words(m)) for m in municipalities}
        self.calibration = Calibration.from_dict(snapshot.manifest.calibration)
        ids = self.calibration.sample_ids if self.calibration else ()
        self.sample = sample_vectors(snapshot.vectors, ids)

    def scorer(self, query: str) -> SentenceScorer:
        return SentenceScorer(query, self.snapshot.lexical.doc_freq, self.n_docs)

    def coverage(
        self,
        query: str,
        chunk_ids: list[int],
        without: tuple[str, ...] = (),
        expansions: list[Expansion] | None = None,
    ) -> float:
        """IDF-weighted share of the question's content words found in these chunks
        (leaving out the words of the names in `without`). A word no passage contains
        counts as found where all the index terms it expands to are (index/expand.py)."""
        terms = set(words(query)) - {t for name in without for t in words(name)}
        if not terms:
            return 0.0
        found = set()
        for cid in chunk_ids:
            found |= set(words(self.snapshot.chunks[cid].embed_text()))
        stands_for = {e.word: set(e.terms) for e in expansions or ()}
        weight = {
            t: np.log(1 + self.n_docs / (1 + self.snapshot.lexical.doc_freq(t))) for t in terms
        }
        total = sum(weight.values())
        hit = sum(w for t, w in weight.items() if t in found or stands_for.get(t, {""}) <= found)
        return float(hit / total) if total else 0.0

    def known_share(self, query: str, expansions: list[Expansion]) -> float:
        """IDF-weighted share of the question's words that the index has at all (in any
        passage, or through their compound parts or mended spelling)."""
        lex = self.snapshot.lexical
        expanded = {e.word for e in expansions}
        weight = {t: np.log(1 + self.n_docs / (1 + lex.doc_freq(t))) for t in set(words(query))}
        total = sum(weight.values())
        known = sum(w for t, w in weight.items() if lex.doc_freq(t) > 0 or t in expanded)
        return float(known / total) if total else 0.0

    def unknown_names(self, query: str) -> tuple[str, ...]:
        """Names in the question (see `analyze.names`) with a word no passage contains."""
        lex = self.snapshot.lexical
        return tuple(
            name for name in names(query) if any(lex.doc_freq(t) == 0 for t in words(name))
        )

    def detail_missing(self, query: str, chunk_ids: list[int]) -> bool:
        """The question asks for a number, amount or time that the best sentence of none of
        these passages holds."""
        kind = expected_type(query)
        if kind is None or not chunk_ids:
            return False
        scorer = self.scorer(query)
        chunks = self.snapshot.chunks
        passages = [
            Passage(n, cid, chunks[cid].text, 0.0, context_terms(chunks[cid]))
            for n, cid in enumerate(chunk_ids)
        ]
        return not any(holds(q.text, kind) for q in best_sentences(scorer, passages))

    def known_subjects(self, query: str) -> tuple[str, ...]:
        """Names in the question that passages are about: a municipality of the index, or
        an acronym the passages use ("VTCV"). A question that names one is anchored in
        the corpus, even if it also names something the passages never mention."""
        lex = self.snapshot.lexical
        found = []
        for name in names(query):
            terms = words(name)
            letters = [c for c in name if c.isalpha()]
            acronym = len(letters) >= 2 and all(c.isupper() for c in letters)
            known = bool(terms) and all(lex.doc_freq(t) > 0 for t in terms)
            if known and (tuple(terms) in self.places or acronym):
                found.append(name)
        return tuple(found)

    def decide(
        self,
        query: str,
        mode: str,
        ranked: list[tuple[int, float]],
        dense_scores: dict[int, float],
        vec: np.ndarray | None,
        expansions: list[Expansion],
        rule: AbstainRule,
    ) -> Decision:
        """Gather the evidence on the ranking and let the rule decide."""
        best = [cid for cid, _ in ranked[: rule.evidence_depth]]
        unknown = self.unknown_names(query)
        english = looks_english(query)
        domain = None
        if vec is not None and self.calibration is not None:
            domain = domain_cosine(vec[0], self.sample)
        evidence = Evidence(
            dense_top=max(dense_scores.values(), default=0.0),
            coverage=self.coverage(query, best, expansions=expansions),
            english=english,
            unknown=unknown,
            coverage_rest=(
                self.coverage(query, best, without=unknown, expansions=expansions)
                if unknown
                else None
            ),
            domain=domain,
            anchored=bool(unknown) and bool(self.known_subjects(query)),
            detail_missing=self.detail_missing(query, best),
            known_share=self.known_share(query, expansions),
        )
        far = self.calibration.none_below(english) if self.calibration is not None else None
        return rule.decide(mode, evidence, ranked=bool(ranked), far_below=far)
