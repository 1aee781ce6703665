"""Measure retrieval on a question set: ranking quality, abstention and latency.

Ranking metrics are computed over the answerable questions on the ranking
*before* abstention (how good the ranking is); whether the system rightly
says "nothing found" is reported apart:

- ``abstain_unanswerable``: share of unanswerable questions where it abstained (want high);
- ``abstain_answerable``: share of answerable questions it wrongly abstained on (want low).

A question whose answer snippets match no passage in the index is an error in
the question set: it is left out of the metrics and reported as a warning.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from base.errors import CasechatError, QueryError
from casechat.metrics import (
    CUTOFFS,
    Passages,
    first_relevant_rank,
    percentile,
    ranking_metrics,
)
from index.search import Searcher

#: The keys of one mode's JSON report, in order.
JSON_KEYS = (
    "n",
    *(f"recall@{c}" for c in CUTOFFS),
    "mrr@10",
    "ndcg@10",
    "unanswerable_n",
    "abstain_unanswerable",
    "abstain_answerable",
    "p50_ms",
    "p95_ms",
    "per_question",
)


@dataclass(frozen=True)
class Question:
    """One line of the question file; extra fields are kept only as `kind`."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    unanswerable: bool = False
    kind: str = ""


@dataclass(frozen=True)
class Outcome:
    """What one search did for one question."""

    id: str
    kind: str
    unanswerable: bool
    scored: bool  # counted in the ranking metrics (answerable, with a findable answer)
    rank: int | None  # first answering passage in the top k, before abstention
    abstained: bool
    latency_ms: float


@dataclass
class Report:
    """One mode's results on the whole set."""

    mode: str
    k: int
    metrics: dict[str, float]
    outcomes: list[Outcome]
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return sum(o.scored for o in self.outcomes)

    @property
    def unanswerable_n(self) -> int:
        return sum(o.unanswerable for o in self.outcomes)

    @property
    def abstain_unanswerable(self) -> float:
        return _share([o.abstained for o in self.outcomes if o.unanswerable])

    @property
    def abstain_answerable(self) -> float:
        return _share([o.abstained for o in self.outcomes if o.scored])

    def latency(self, q: float) -> float:
        return percentile([o.latency_ms for o in self.outcomes], q)

    def as_json(self) -> dict:
        """The report as one JSON-ready dict with exactly the keys in JSON_KEYS."""
        out: dict = {"n": self.n}
        out.update({name: round(value, 4) for name, value in self.metrics.items()})
        out.update(
            unanswerable_n=self.unanswerable_n,
            abstain_unanswerable=round(self.abstain_unanswerable, 4),
            abstain_answerable=round(self.abstain_answerable, 4),
            p50_ms=round(self.latency(50), 1),
            p95_ms=round(self.latency(95), 1),
            per_question=[
                {"id": o.id, "rank": o.rank, "abstained": o.abstained} for o in self.outcomes
            ],
        )
        return {key: out[key] for key in JSON_KEYS}


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question file; refuse lines that are not questions."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CasechatError(
            f"Spørgsmålsfilen {path} kan ikke læses ({exc.strerror or exc}). "
            "Angiv en JSONL-fil med --questions."
        ) from exc
    questions, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            q = Question(
                id=str(rec["id"]),
                question=str(rec["question"]),
                answers=tuple(str(a) for a in rec.get("answers") or ()),
                unanswerable=bool(rec.get("unanswerable", False)),
                kind=str(rec.get("kind") or ""),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise CasechatError(
                f"Linje {number} i {path} er ikke et gyldigt spørgsmål ({exc}). "
                'Hver linje skal være et JSON-objekt med mindst "id" og "question".'
            ) from exc
        if q.id in seen:
            raise CasechatError(
                f"Id'et {q.id} står to gange i {path}. Giv hvert spørgsmål sit eget id."
            )
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise CasechatError(f"{path} indeholder ingen spørgsmål.")
    return questions


def check_answers(searcher: Searcher, questions: Sequence[Question]) -> tuple[dict, list[str]]:
    """Relevant chunk ids per answerable question, and warnings about the question set."""
    passages = Passages({cid: c.text for cid, c in searcher.snapshot.chunks.items()})
    relevant: dict[str, set[int]] = {}
    problems = []
    for q in questions:
        if q.unanswerable:
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
            )
        )
    return Report(mode, k, ranking_metrics(relevant, rankings), outcomes, problems)


def render(reports: Sequence[Report], console=None) -> None:
    """Print the reports side by side as rich tables (one column per mode)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"Søgekvalitet ({reports[0].n} besvarbare spørgsmål, k={reports[0].k})")
    table.add_column("Mål")
    for report in reports:
        table.add_column(report.mode, justify="right")
    for name in reports[0].metrics:
        table.add_row(name, *(f"{r.metrics[name]:.3f}" for r in reports))
    table.add_section()
    table.add_row(
        f"afstår, ubesvarbare (n={reports[0].unanswerable_n})",
        *(f"{r.abstain_unanswerable:.2f}" for r in reports),
    )
    table.add_row("afstår, besvarbare", *(f"{r.abstain_answerable:.2f}" for r in reports))
    table.add_section()
    table.add_row("søgetid p50 (ms)", *(f"{r.latency(50):.0f}" for r in reports))
    table.add_row("søgetid p95 (ms)", *(f"{r.latency(95):.0f}" for r in reports))
    console.print(table)
    console.print(
        "recall@k = andel af de besvarbare spørgsmål med mindst ét svarende tekststykke "
        "blandt de k første (hit rate), målt før beslutningen om at afstå."
    )

    flawed = [
        i
        for i, first in enumerate(reports[0].outcomes)
        if any(_flawed(r.outcomes[i]) for r in reports)
    ]
    if flawed:
        detail = Table(
            title="Spørgsmål, der ikke blev fundet på plads 1 eller fik forkert afståelse"
        )
        detail.add_column("id")
        detail.add_column("type")
        for report in reports:
            detail.add_column(report.mode, justify="right")
        for i in flawed:
            first = reports[0].outcomes[i]
            detail.add_row(first.id, first.kind, *(_cell(r.outcomes[i]) for r in reports))
        console.print(detail)
        console.print("Plads = første svarende tekststykke; '–' = ikke i top k; * = afstod.")
    rest = len(reports[0].outcomes) - len(flawed)
    console.print(f"De øvrige {rest} spørgsmål: fundet på plads 1 (eller rigtigt afstået) i alle.")


def _flawed(o: Outcome) -> bool:
    if o.unanswerable:
        return not o.abstained
    return o.scored and (o.rank != 1 or o.abstained)


def _cell(o: Outcome) -> str:
    mark = "*" if o.abstained else ""
    if o.unanswerable:
        return "afstod" if o.abstained else "svarede"
    return ("–" if o.rank is None else str(o.rank)) + mark
