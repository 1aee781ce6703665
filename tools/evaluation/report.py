"""One mode's results on the question set: the figures, their JSON, the rich tables.

The JSON of `casechat eval --json` is a public interface: its keys are JSON_KEYS,
in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tools.evaluation.metrics import CUTOFFS, percentile

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
