"""A calibration plot of the answer probability: predicted against observed.

    python -m tools.evaluation.calibration_plot --split test --out docs/img/calibration.png \
        eval/questions.jsonl=cases.json eval/offtopic/questions.jsonl=offtopic.json ...

Each argument pairs a question file with the `casechat eval --json` output of one
library for it. Questions of the chosen split are binned by their answer
probability (ten bins); each bin's observed share of answerable questions is
plotted against its mean probability, with the number of questions beside it.
Questions without a probability (no answer model) are left out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tools.evaluation.questions import load_questions


def points(pairs: list[tuple[Path, Path]], split: str) -> tuple[np.ndarray, np.ndarray]:
    """(probability, answerable 0/1) of every question of `split` in the given results."""
    probs, truth = [], []
    for questions, result in pairs:
        answerable = {
            q.id: not q.unanswerable for q in load_questions(questions) if q.split == split
        }
        for row in json.loads(result.read_text(encoding="utf-8"))["per_question"]:
            if row["id"] in answerable and row.get("probability") is not None:
                probs.append(row["probability"])
                truth.append(float(answerable[row["id"]]))
    return np.asarray(probs), np.asarray(truth)


def main(argv: list[str] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", nargs="+", help="QUESTIONS.jsonl=RESULT.json")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--title", default="")
    args = parser.parse_args(argv)
    pairs = [tuple(Path(p) for p in pair.split("=", 1)) for pair in args.pairs]
    p, y = points(pairs, args.split)
    edges = np.linspace(0, 1, 11)
    which = np.clip(np.digitize(p, edges) - 1, 0, 9)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfekt kalibreret")
    xs, ys, ns = [], [], []
    for b in range(10):
        mask = which == b
        if mask.any():
            xs.append(p[mask].mean())
            ys.append(y[mask].mean())
            ns.append(int(mask.sum()))
    ax.plot(xs, ys, "o-", color="#1f5f8b", label=f"spørgsmål ({len(p)}, del: {args.split})")
    for x, yy, n in zip(xs, ys, ns, strict=True):
        ax.annotate(str(n), (x, yy), textcoords="offset points", xytext=(4, -10), fontsize=8)
    ax.set_xlabel("svarsandsynlighed (modellen)")
    ax.set_ylabel("andel besvarbare spørgsmål")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(args.title or "Kalibrering af svarsandsynligheden")
    ax.legend(loc="upper left", fontsize=8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    brier = float(np.mean((p - y) ** 2)) if len(p) else float("nan")
    print(f"{len(p)} spørgsmål, Brier {brier:.3f}: {args.out}")


if __name__ == "__main__":
    main()
