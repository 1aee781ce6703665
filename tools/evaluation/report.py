"""One mode's results on the question set: the figures, their JSON, the rich tables.

The JSON of `casechat eval --json` is a public interface: its keys are JSON_KEYS,
in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tools.evaluation.metrics import CUTOFFS, answers_in, percentile

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
    "refused_answerable",
    "flagged_unanswerable",
    "confident_answerable",
    "sentence@1",
    "by_kind",
    "per_question",
    "splits",
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
    verdict: str = ""  # answer, nearest or none
    short_answer: str = ""  # the quoted sentences shown as "Kort svar"
    answers: tuple[str, ...] = ()  # the question's snippets, for sentence@1
    split: str = ""  # "dev", "test" (frozen) or "" (unmarked)
    probability: float | None = None  # the answer probability (None: no answer model)

    @property
    def sentence_hit(self) -> bool:
        return bool(self.short_answer) and answers_in(self.short_answer, self.answers)


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

    @property
    def confident_answerable(self) -> float:
        return _share([o.verdict == "answer" for o in self.outcomes if o.scored])

    @property
    def flagged_unanswerable(self) -> float:
        return _share([o.verdict in ("nearest", "none") for o in self.outcomes if o.unanswerable])

    @property
    def sentence_at_1(self) -> float:
        return _share([o.sentence_hit for o in self.outcomes if o.scored and o.answers])

    def by_kind(self) -> dict[str, dict[str, float]]:
        """Recall@5, MRR@10 and verdict shares per question kind (answerable ones)."""
        kinds: dict[str, list[Outcome]] = {}
        for o in self.outcomes:
            if o.scored:
                kinds.setdefault(o.kind or "-", []).append(o)
        return {
            kind: {
                "n": len(group),
                "recall@5": round(_share([o.rank is not None and o.rank <= 5 for o in group]), 4),
                "mrr@10": round(
                    sum(1 / o.rank for o in group if o.rank and o.rank <= 10) / len(group), 4
                ),
                "confident": round(_share([o.verdict == "answer" for o in group]), 4),
                "refused": round(_share([o.verdict == "none" for o in group]), 4),
            }
            for kind, group in sorted(kinds.items())
        }

    def part(self, outcomes: list[Outcome]) -> dict:
        """The verdict figures and MRR@10 of some of the questions."""
        scored = [o for o in outcomes if o.scored]
        unanswerable = [o for o in outcomes if o.unanswerable]
        sub = Report(self.mode, self.k, {}, outcomes)
        return {
            "n": len(scored),
            "unanswerable_n": len(unanswerable),
            "mrr@10": round(
                sum(1 / o.rank for o in scored if o.rank and o.rank <= 10) / len(scored), 4
            )
            if scored
            else 0.0,
            "refused_answerable": round(sub.abstain_answerable, 4),
            "confident_answerable": round(sub.confident_answerable, 4),
            "flagged_unanswerable": round(sub.flagged_unanswerable, 4),
            "none_unanswerable": round(sub.abstain_unanswerable, 4),
            "answer_unanswerable": round(_share([o.verdict == "answer" for o in unanswerable]), 4),
            "sentence@1": round(sub.sentence_at_1, 4),
            "by_kind": {
                kind: self._kind_part([o for o in outcomes if (o.kind or "-") == kind])
                for kind in sorted({o.kind or "-" for o in outcomes})
            },
        }

    def _kind_part(self, group: list[Outcome]) -> dict:
        sub = Report(self.mode, self.k, {}, group)
        return {
            "n": len(group),
            "confident_answerable": round(sub.confident_answerable, 4),
            "refused_answerable": round(sub.abstain_answerable, 4),
            "none_unanswerable": round(sub.abstain_unanswerable, 4),
            "flagged_unanswerable": round(sub.flagged_unanswerable, 4),
            "answer_unanswerable": round(
                _share([o.verdict == "answer" for o in group if o.unanswerable]), 4
            ),
        }

    def splits(self) -> dict[str, dict]:
        """`part` of the development and the frozen test questions, apart ("" = unmarked)."""
        names = sorted({o.split for o in self.outcomes})
        return {
            name or "-": self.part([o for o in self.outcomes if o.split == name]) for name in names
        }

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
            refused_answerable=round(self.abstain_answerable, 4),
            flagged_unanswerable=round(self.flagged_unanswerable, 4),
            confident_answerable=round(self.confident_answerable, 4),
            by_kind=self.by_kind(),
            per_question=[
                {
                    "id": o.id,
                    "rank": o.rank,
                    "abstained": o.abstained,
                    "verdict": o.verdict,
                    "short_answer": o.short_answer,
                    "split": o.split,
                    "probability": o.probability,
                }
                for o in self.outcomes
            ],
            splits=self.splits(),
        )
        out["sentence@1"] = round(self.sentence_at_1, 4)
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
    table.add_row("sikre svar, besvarbare", *(f"{r.confident_answerable:.2f}" for r in reports))
    table.add_row("markeret, ubesvarbare", *(f"{r.flagged_unanswerable:.2f}" for r in reports))
    table.add_row("sentence@1 (kort svar)", *(f"{r.sentence_at_1:.2f}" for r in reports))
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
            title="Spørgsmål, der ikke blev fundet på plads 1 eller ikke fik et sikkert svar"
        )
        detail.add_column("id")
        detail.add_column("type")
        for report in reports:
            detail.add_column(report.mode, justify="right")
        for i in flawed:
            first = reports[0].outcomes[i]
            detail.add_row(first.id, first.kind, *(_cell(r.outcomes[i]) for r in reports))
        console.print(detail)
        console.print(
            "Plads = første svarende tekststykke; '–' = ikke i top k; * = afstod; ~ = nærmeste."
        )
    rest = len(reports[0].outcomes) - len(flawed)
    console.print(f"De øvrige {rest} spørgsmål: fundet på plads 1 (eller rigtigt afstået) i alle.")


def _flawed(o: Outcome) -> bool:
    if o.unanswerable:
        return o.verdict == "answer"
    return o.scored and (o.rank != 1 or o.verdict != "answer")


_MARK = {"none": "*", "nearest": "~"}


def _cell(o: Outcome) -> str:
    if o.unanswerable:
        return {"none": "afstod", "nearest": "nærmeste"}.get(o.verdict, "svarede")
    return ("–" if o.rank is None else str(o.rank)) + _MARK.get(o.verdict, "")
