"""The answer model: P(this passage answers this question), calibrated, per index.

A logistic regression over the features of answer/features.py, trained at build
time on questions made from the index itself (answer/training.py) and stored in
the manifest as plain numbers (JSON, no pickle): the features' means and scales,
the weights, the intercept, a Platt step fitted on held-out questions, the
English cosine shift, the two thresholds and the training figures.

The question's answer probability is its best passage's probability. The
verdict follows it: ``answer`` from `answer_at` up, ``none`` below `none_below`,
``nearest`` between.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from answer.decision import ANSWER, NEAREST, NONE, Decision
from answer.features import FEATURES

#: Where the manifest keeps the model: `calibration[MODEL_KEY]`.
MODEL_KEY = "answer_model"
#: Bump when the features or their meaning change: an older model is ignored (fallback).
MODEL_VERSION = 1
#: The verdict's thresholds on the answer probability: more likely answered than not is an
#: answer; NONE_BELOW was chosen on the development parts of the question sets (eval/README.md,
#: "dev" rows) and is the same for every index, since the probabilities are calibrated.
ANSWER_AT = 0.5
NONE_BELOW = 0.25


@dataclass(frozen=True)
class AnswerModel:
    """A trained answer model (see the module docstring)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    platt: tuple[float, float] = (1.0, 0.0)  # p = sigmoid(a * logit + b)
    english_shift: float = 0.0  # added to an English question's cosines
    answer_at: float = ANSWER_AT
    none_below: float = NONE_BELOW
    figures: dict = field(default_factory=dict)
    version: int = MODEL_VERSION

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(answers) for each feature row (FEATURES order)."""
        if len(rows) == 0:
            return np.zeros(0)
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = z @ np.asarray(self.coef) + self.intercept
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * logit + b)))

    def verdict(self, p: float) -> str:
        if p >= self.answer_at:
            return ANSWER
        return NONE if p < self.none_below else NEAREST

    def weights(self) -> dict[str, float]:
        """Each feature's weight on the standardised scale (for people)."""
        return {f: round(float(c), 3) for f, c in zip(self.features, self.coef, strict=True)}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict | None) -> AnswerModel | None:
        """The stored model, or None when absent, from another version or other features."""
        if not raw or raw.get("version") != MODEL_VERSION:
            return None
        if tuple(raw.get("features", ())) != FEATURES:
            return None
        return cls(
            features=tuple(raw["features"]),
            mean=tuple(raw["mean"]),
            scale=tuple(raw["scale"]),
            coef=tuple(raw["coef"]),
            intercept=float(raw["intercept"]),
            platt=tuple(raw.get("platt", (1.0, 0.0))),
            english_shift=float(raw.get("english_shift", 0.0)),
            answer_at=float(raw.get("answer_at", ANSWER_AT)),
            none_below=float(raw.get("none_below", NONE_BELOW)),
            figures=dict(raw.get("figures", {})),
        )


def decide_by(model: AnswerModel, probability: float, rule: Decision) -> Decision:
    """The decision by the answer probability. The rule's reason is kept where it agrees
    (a note about unknown names or a missing detail); otherwise the reason is ``model``."""
    verdict = model.verdict(probability)
    if verdict == rule.verdict:
        return rule
    # Unknown names and a missing detail stay the reason: the note names them.
    reason = rule.reason if rule.reason in ("names", "detail") else "model"
    return Decision(verdict, reason, rule.evidence)
