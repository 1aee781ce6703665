"""Search one index and answer: the ranking (index/search.py) turned into a decision.

`Searcher.search` ranks passages (a `Ranker`), gathers the evidence for the
answer/abstain decision (answer/evidence.py, answer/decision.py), quotes the best
sentences (answer/quote.py) and returns a `SearchResult` that carries the ranked
hits, the decision with its reason code and its evidence. It writes no text for
people: wording is made in the chat and the CLI. `open_searcher` is the one way
to open a searcher for an index folder.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from answer.decision import ANSWER, AbstainRule, Decision, Evidence, rule_for_model
from answer.evidence import Evidencer
from answer.features import DEPTH, Featurizer
from answer.model import MODEL_KEY, AnswerModel, decide_by
from answer.places import Places, about_first, missing_from, named_in, without_names
from answer.quote import Passage, Quote, best_sentences, short_answer
from base.settings import Settings
from index.analyze import looks_english
from index.encoder import Embedder, load_embedder
from index.fusion import Fusion
from index.search import MAX_QUERY_CHARS, MODES, Ranker, Ranking, clean_query, top_rows
from index.search import Hit as RankedHit
from index.store import Snapshot, load_snapshot

_log = logging.getLogger(__name__)
#: The fallback, said once per opened index: the hand-written rule decides.
NO_MODEL = (
    "Indekset %s har ingen svarmodel (bygget med en ældre casechat): svar, nærmeste eller "
    "intet afgøres med de faste regler, og relevans vises uden sandsynlighed. Kør "
    "`casechat build --full` for at lære modellen."
)

__all__ = [
    "MAX_QUERY_CHARS",
    "MODES",
    "Hit",
    "SearchResult",
    "Searcher",
    "clean_query",
    "open_searcher",
    "top_rows",
]


@dataclass(frozen=True)
class Hit(RankedHit):
    """A ranked passage as shown: with the sentence that best answers the question."""

    #: The passage's sentence that best answers the question (answer/quote.py).
    best: Quote | None = None
    #: P(this passage answers the question) from the index's answer model (answer/model.py);
    #: None for an index without one.
    probability: float | None = None


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
    #: The answer probability (its best passage's, answer/model.py); None without a model.
    probability: float | None = None
    #: Municipalities the question names, and those no shown passage is about.
    places: Places = field(default_factory=Places)

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


class Searcher(Ranker):
    """Search one loaded index snapshot and decide; safe to share across threads."""

    def __init__(
        self,
        snapshot: Snapshot,
        embedder: Embedder,
        fusion: Fusion | None = None,
        rule: AbstainRule | None = None,
    ) -> None:
        super().__init__(snapshot, embedder, fusion)
        self.rule = rule or rule_for_model(embedder.name)
        self.known_places = self.municipalities()
        self.evidence = Evidencer(snapshot, self.known_places)
        #: The index's answer model, or None: then the rule of answer/decision.py decides.
        self.model = AnswerModel.from_dict(snapshot.manifest.calibration.get(MODEL_KEY))
        self.featurizer = Featurizer(self.evidence) if self.model else None
        if self.model is None:
            _log.warning(NO_MODEL, snapshot.path.name)

    def _probabilities(self, ranking: Ranking) -> dict[int, float]:
        """P(answers) of the top passages (empty without a model, or outside hybrid mode,
        the ranking the model was trained on)."""
        if self.model is None or self.featurizer is None or ranking.mode != "hybrid":
            return {}
        cids, rows = self.featurizer.rows(ranking, DEPTH, self.model.english_shift)
        return dict(zip(cids, (float(p) for p in self.model.probability(rows)), strict=True))

    def _quote(
        self, query: str, hits: list[Hit], places: Places | None = None
    ) -> tuple[list[Hit], tuple[Quote, ...]]:
        """The hits with their best sentences, and the short answer over them."""
        if not hits:
            return hits, ()
        scorer = self.evidence.scorer(query)
        top = max(h.score for h in hits) or 1.0
        header = self.evidence.forms
        passages = [
            Passage(
                h.rank,
                h.chunk.chunk_id,
                h.chunk.text,
                h.score / top,
                header(h.chunk.chunk_id, True),
            )
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
        ranking = self.rank(question, mode, sources, municipalities)
        query, timings = ranking.query, dict(ranking.timings_ms)
        t0 = time.perf_counter()
        decided = ranking  # the verdict is the ranking's; the order shown may put a place first
        named = named_in(query, self.known_places)
        moved = False
        if named and not looks_english(query):  # words meet as Danish words only
            ranked, moved = about_first(
                ranking.ranked,
                self.snapshot.chunks.__getitem__,
                named,
                self.evidence.asks(without_names(query, named)),
                self.evidence.forms,
            )
            ranking = replace(ranking, ranked=ranked)
        decision = self.evidence.decide(
            query,
            mode,
            decided.ranked,
            ranking.dense_scores,
            ranking.vec,
            ranking.expansions,
            self.rule,
        )
        probabilities = self._probabilities(decided)
        probability = max(probabilities.values(), default=None)
        if probability is not None and self.model is not None and ranking.ranked:
            decision = decide_by(self.model, probability, decision)
        if moved:  # each shown passage's own probability, where it is shown
            probabilities = self._probabilities(ranking)
        hits = [
            Hit(**vars(h), probability=probabilities.get(h.chunk.chunk_id))
            for h in self.hits(ranking, k)
        ]
        t4 = time.perf_counter()
        hits, short = self._quote(query, hits, Places(named, known=tuple(self.known_places)))
        timings["quote_ms"] = (time.perf_counter() - t4) * 1e3
        timings["total_ms"] = timings["total_ms"] + (time.perf_counter() - t0) * 1e3
        shown = [] if decision.abstained else hits
        missing = missing_from(named, [h.chunk for h in shown]) if shown else ()
        places = Places(named, missing, moved, tuple(self.known_places))
        return SearchResult(
            query,
            shown,
            decision,
            cut=ranking.cut,
            timings_ms=timings,
            candidates=hits,
            short_answer=() if decision.verdict != ANSWER else short,
            probability=probability,
            places=places,
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
