"""Measure retrieval on a question set: ranking quality, abstention and latency.

Ranking metrics are computed over the answerable questions on the ranking
*before* abstention (how good the ranking is); whether the system rightly
says "nothing found" is reported apart:

- ``abstain_unanswerable``: share of unanswerable questions with verdict ``none`` (want high);
- ``abstain_answerable``: share of answerable questions with verdict ``none`` (want low);
- ``refused_answerable`` (= abstain_answerable), ``confident_answerable`` (answerable
  questions with verdict ``answer``) and ``flagged_unanswerable`` (unanswerable ones with
  verdict ``nearest`` or ``none``);
- ``sentence@1``: share of answerable questions with snippets whose short answer
  contains one of them (case and whitespace ignored).

A question whose answer snippets match no passage in the index is an error in
the question set: it is left out of the metrics and reported as a warning.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from answer.search import Searcher
from base.errors import CasechatError, QueryError
from tools.evaluation.metrics import Passages, first_relevant_rank, ranking_metrics
from tools.evaluation.questions import Question
from tools.evaluation.report import Outcome, Report


def check_answers(searcher: Searcher, questions: Sequence[Question]) -> tuple[dict, list[str]]:
    """Relevant chunk ids per answerable question, and warnings about the question set."""
    chunks = searcher.snapshot.chunks
    passages = Passages({cid: c.text for cid, c in chunks.items()})
    relevant: dict[str, set[int]] = {}
    problems = []
    for q in questions:
        if q.unanswerable:
            continue
        if q.relevant_docs and not q.answers:
            docs = set(q.relevant_docs)
            ids = {cid for cid, c in chunks.items() if c.source in docs}
            if ids:
                relevant[q.id] = ids
            else:
                problems.append(
                    f"{q.id}: ingen af dokumenterne {sorted(docs)} er i indekset; "
                    "spørgsmålet tælles ikke med."
                )
            continue
        ids = passages.relevant(q.answers)
        if not ids:
            problems.append(
                f"{q.id}: intet tekststykke i indekset indeholder et af svarene; "
                "spørgsmålet tælles ikke med. Ret svarene i spørgsmålsfilen."
            )
            continue
        relevant[q.id] = ids
        for snippet in q.answers:
            if not passages.relevant([snippet]):
                problems.append(f"{q.id}: svaret '{snippet}' findes ikke i noget tekststykke.")
    return relevant, problems


def evaluate(
    searcher: Searcher, questions: Sequence[Question], mode: str = "hybrid", k: int = 10
) -> Report:
    """Search every question once in `mode` and score the rankings (see the module docstring)."""
    relevant, problems = check_answers(searcher, questions)
    if questions:  # warm-up, not timed: the first call may load lazily
        searcher.search(questions[0].question, k=k, mode=mode)
    rankings: dict[str, list[int]] = {}
    outcomes = []
    for q in questions:
        started = time.perf_counter()
        try:
            result = searcher.search(q.question, k=k, mode=mode)
        except QueryError as exc:
            raise CasechatError(f"Spørgsmål {q.id} kan ikke søges: {exc}") from exc
        latency = (time.perf_counter() - started) * 1e3
        ranking = [h.chunk.chunk_id for h in result.candidates]
        scored = q.id in relevant
        if scored:
            rankings[q.id] = ranking
        outcomes.append(
            Outcome(
                id=q.id,
                kind=q.kind,
                unanswerable=q.unanswerable,
                scored=scored,
                rank=first_relevant_rank(ranking, relevant[q.id]) if scored else None,
                abstained=result.abstained,
                latency_ms=latency,
                verdict=result.verdict,
                short_answer=" ".join(quote.text for quote in result.short_answer),
                answers=q.answers,
                split=q.split,
                probability=result.probability,
            )
        )
    return Report(mode, k, ranking_metrics(relevant, rankings), outcomes, problems)
