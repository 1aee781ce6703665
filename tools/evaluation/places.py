"""Measure how questions that name a municipality are answered (issue 18 item 4).

Reads eval/municipality/questions.jsonl (see its README), answers each question
as the chat does (a follow-up is resolved against its `previous` question,
casechat/followup.py) and reports, per `part` (dev, test):

- ``best_about``: questions whose named municipality's own case answers them
  (`about: true`) with the best passage about that municipality (target >= 0.95);
- ``short_about``: the same questions whose short answer's first sentence comes from
  a passage about it;
- ``note_when_none_shown``: questions with passages shown, none of them about the
  named municipality, that get the note that says so (target >= 0.95);
- ``note_elsewhere``: questions only another municipality's case treats
  (`about: false`) that get the note.

    python -m tools.evaluation.places [--questions FILE] [-k 3]

prints one JSON object; the index and model are those of the environment
(`CASECHAT_INDEX_DIR`, `CASECHAT_MODEL`).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from answer.search import Searcher, open_searcher
from base.settings import ROOT, Settings
from casechat.followup import resolve
from casechat.wording import place_notice

QUESTIONS = ROOT / "eval" / "municipality" / "questions.jsonl"


@dataclass(frozen=True)
class PlaceOutcome:
    id: str
    part: str
    about: bool
    best_about: bool
    short_about: bool
    shown_about: bool
    note: str
    shown: bool = True


def answer_one(searcher: Searcher, row: dict, k: int) -> PlaceOutcome:
    """Answer one question of the set and see what its passages are about."""
    name = row["municipality"]
    question = resolve(row["question"], row.get("previous"), searcher.municipalities()).question
    result = searcher.search(question, k=k)
    about = [name in h.chunk.municipalities for h in result.hits]
    by_rank = {h.rank: h for h in result.hits}
    first = result.short_answer[0] if result.short_answer else None
    short_about = first is not None and name in by_rank[first.rank].chunk.municipalities
    return PlaceOutcome(
        row["id"],
        row.get("part", "dev"),
        bool(row["about"]),
        bool(about) and about[0],
        short_about,
        any(about),
        place_notice(result),
        bool(result.hits),
    )


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def summary(outcomes: list[PlaceOutcome]) -> dict:
    """The shares of the module docstring, with their counts."""
    about = [o for o in outcomes if o.about]
    none_shown = [o for o in outcomes if o.shown and not o.shown_about]
    elsewhere = [o for o in outcomes if not o.about]
    return {
        "n": len(outcomes),
        "best_about": _share([o.best_about for o in about]),
        "short_about": _share([o.short_about for o in about]),
        "about_n": len(about),
        "note_when_none_shown": _share([bool(o.note) for o in none_shown]),
        "none_shown_n": len(none_shown),
        "note_elsewhere": _share([bool(o.note) for o in elsewhere]),
        "elsewhere_n": len(elsewhere),
    }


def evaluate_places(searcher: Searcher, path: Path = QUESTIONS, k: int = 3) -> dict:
    """Per part (dev, test), the summary and every question's outcome."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    outcomes = [answer_one(searcher, row, k) for row in rows]
    parts = sorted({o.part for o in outcomes})
    report = {part: summary([o for o in outcomes if o.part == part]) for part in parts}
    report["per_question"] = [vars(o) for o in outcomes]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("-k", type=int, default=3)
    args = parser.parse_args()
    searcher = open_searcher(Settings.from_env())
    print(json.dumps(evaluate_places(searcher, args.questions, args.k), ensure_ascii=False))


if __name__ == "__main__":
    main()
