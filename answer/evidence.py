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
from answer.quote import Passage, SentenceMeter, best_sentences
from answer.wordmatch import QuestionWords, TextForms, strength
from index.analyze import looks_english, names, words
from index.expand import Expansion
from index.store import Snapshot

#: Passages whose word forms are kept between questions.
MAX_CACHED = 20_000


class Evidencer:
    """Gathers the evidence for questions against one index snapshot."""

    def __init__(self, snapshot: Snapshot, municipalities: list[str]) -> None:
        self.snapshot = snapshot
        self.n_docs = len(snapshot.lexical.ids)
        self.places = {tuple(words(m)) for m in municipalities}
        self.calibration = Calibration.from_dict(snapshot.manifest.calibration)
        ids = self.calibration.sample_ids if self.calibration else ()
        self.sample = sample_vectors(snapshot.vectors, ids)
        self._forms: dict[tuple[int, bool], TextForms] = {}

    def asks(self, query: str) -> QuestionWords:
        """The question's content words, weighted by this index (answer/wordmatch.py)."""
        return QuestionWords(query, self.snapshot.lexical.doc_freq, self.n_docs)

    def scorer(self, query: str) -> SentenceMeter:
        return SentenceMeter(self.asks(query))

    def forms(self, chunk_id: int, header: bool = False) -> TextForms:
        """The dictionary forms of a passage's words (with its header), or of its header
        alone (title, section, municipalities: what the whole passage is about)."""
        key = (chunk_id, header)
        if key not in self._forms:
            if len(self._forms) > MAX_CACHED:
                self._forms.clear()
            chunk = self.snapshot.chunks[chunk_id]
            text = " ".join([chunk.title, chunk.section, *chunk.municipalities])
            self._forms[key] = TextForms.of(text if header else chunk.embed_text())
        return self._forms[key]

    def coverage(
        self,
        query: str,
        chunk_ids: list[int],
        without: tuple[str, ...] = (),
        expansions: list[Expansion] | None = None,
    ) -> float:
        """IDF-weighted share of the question's content words found in these chunks, matched
        as words (by dictionary form, answer/wordmatch.py; leaving out the words of the names
        in `without`). A word no passage contains counts as found where all the index terms
        it expands to are (index/expand.py)."""
        left_out = {t for name in without for t in words(name)}
        lex = self.snapshot.lexical
        asked: dict[str, tuple[float, list]] = {}
        for word in QuestionWords(query, lambda t: max(1, lex.doc_freq(t)), self.n_docs).words:
            if word.term not in left_out:
                weight = float(np.log(1 + self.n_docs / (1 + lex.doc_freq(word.term))))
                asked.setdefault(word.term, (weight, []))[1].append(word)
        if not asked:
            return 0.0
        found = TextForms.of_forms(self.forms(cid) for cid in chunk_ids)
        stems: set[str] = set()
        if expansions:
            for cid in chunk_ids:
                stems |= set(words(self.snapshot.chunks[cid].embed_text()))
        stands_for = {e.word: set(e.terms) for e in expansions or ()}
        total = sum(w for w, _ in asked.values())
        hit = 0.0
        for term, (weight, forms) in asked.items():
            met = max(strength(f, found) for f in forms)
            if term in stands_for and stands_for[term] <= stems:
                met = 1.0
            hit += weight * met
        return hit / total if total else 0.0

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
            Passage(n, cid, chunks[cid].text, 0.0, self.forms(cid, header=True))
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
