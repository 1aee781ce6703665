"""Cross-validation: tune on k-1 folds of the questions, measure on the held-out fold."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from answer.decision import AbstainRule
from index.fusion import Fusion
from tools.evaluation import Question
from tools.sweep.tables import RULE_GRID, per_question, rule_rates
from tools.sweep.variants import Runner, sized


def _scores(rows: list[dict]) -> tuple[float, float]:
    ranks = [r["rank"] for r in rows if not r["unanswerable"]]
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    r5 = sum(1 for r in ranks if r and r <= 5) / len(ranks)
    return mrr, r5


def _folds(questions: Sequence[Question], k: int, seed: int = 7) -> list[set[str]]:
    """k folds, stratified by question kind."""
    rng = random.Random(seed)
    folds: list[set[str]] = [set() for _ in range(k)]
    by_kind: dict[str, list[str]] = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q.id)
    i = 0
    for kind in sorted(by_kind):
        ids = by_kind[kind]
        rng.shuffle(ids)
        for qid in ids:
            folds[i % k].add(qid)
            i += 1
    return folds


CV_SIZES = (550, 700, 800, 900, 1000)
CV_DENSE = (0.3, 0.4, 0.5, 0.6, 0.7)
CV_GRAMS = (0.0, 0.1, 0.2, 0.3)


def _neighbours(grid: dict[tuple, object], key: tuple, steps: tuple[float, ...]) -> list:
    """The grid points within one step of `key` on every axis (itself included)."""
    return [
        value
        for other, value in grid.items()
        if all(abs(a - b) <= step + 1e-9 for a, b, step in zip(key, other, steps, strict=True))
    ]


def _pick(grid: dict[tuple, object], score, steps: tuple[float, ...] | None) -> tuple:
    """The best key by `score`, or by its mean over the neighbours (a flat region)."""
    if steps is None:
        return max(grid, key=lambda key: score(grid[key]))
    return max(
        grid,
        key=lambda key: float(np.mean([score(v) for v in _neighbours(grid, key, steps)])),
    )


def cross_validate(runner: Runner, k: int = 5) -> None:
    """Tune chunk size, fusion weights and the rule on k-1 folds; measure on the held-out fold.

    Two ways to choose: the plain best setting on the training folds, and the
    setting whose neighbourhood in the grid is best on average (a flat region,
    which is how the defaults were chosen).
    """
    configs: dict[tuple, dict[str, dict]] = {}
    for si, size in enumerate(CV_SIZES):
        for d in CV_DENSE:
            for g in CV_GRAMS:
                fusion = Fusion(dense=d, words=(1 - d) * (1 - g), ngrams=(1 - d) * g)
                rows = per_question(runner, sized(size), fusion)
                configs[(si, d, g)] = {r["id"]: r for r in rows}
    rules = {
        (c, v, n): AbstainRule(confident_dense=c, min_coverage=v, unknown_names=n)
        for c in RULE_GRID["confident_dense"]
        for v in RULE_GRID["min_coverage"]
        for n in (1, 0)
    }
    folds = _folds(runner.questions, k)
    for how, steps, rule_steps in (
        ("best setting", None, None),
        ("best neighbourhood", (1, 0.1, 0.1), (0.01, 0.05, 0)),
    ):
        print(f"\n### {k}-fold cross-validation, choosing the {how} on the training folds\n")
        print("| fold | size, dense, n-gram share | rule (conf, cov, names) | MRR@10 | R@5 |"
              " abstain unanswerable | abstain answerable |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        pooled: list[dict] = []
        for i, test in enumerate(folds):

            def ranking_score(table: dict[str, dict], test=test) -> float:
                return sum(_scores([r for q, r in table.items() if q not in test]))

            key = _pick(configs, ranking_score, steps)
            train = [r for q, r in configs[key].items() if q not in test]

            def rule_score(rule: AbstainRule, train=train) -> float:
                un, an = rule_rates(train, rule)
                return un - an if an <= 0.05 else -1.0

            rule = rules[_pick(rules, rule_score, rule_steps)]
            held = [r for q, r in configs[key].items() if q in test]
            pooled.extend(
                {**r, "abstained": bool(rule.reason("hybrid", r["evidence"]))} for r in held
            )
            mrr, r5 = _scores(held)
            un, an = rule_rates(held, rule)
            print(
                f"| {i + 1} | {CV_SIZES[key[0]]}, {key[1]}, {key[2]} | ({rule.confident_dense}, "
                f"{rule.min_coverage}, {rule.unknown_names}) | {mrr:.3f} | {r5:.3f} | "
                f"{un:.2f} | {an:.3f} |"
            )
        mrr, r5 = _scores(pooled)
        un = [r["abstained"] for r in pooled if r["unanswerable"]]
        an = [r["abstained"] for r in pooled if not r["unanswerable"]]
        print(
            f"| pooled held-out | | | {mrr:.3f} | {r5:.3f} | {sum(un) / len(un):.2f} | "
            f"{sum(an) / len(an):.3f} |"
        )
