"""The decision on a ranking: do the passages answer, are they only the nearest, or nothing?

The searcher gathers `Evidence` for one question; `AbstainRule.decide` gives a
`Decision` with one of three verdicts and a reason code. Wording for people is
made at the edges (the chat and the CLI), never here.

- ``none``: nothing in the index is near. Reason ``offtopic``: the question's
  best cosine *and* its domain cosine (median cosine to a fixed sample of
  passages) are no higher than the levels measured at build time for everyday
  questions on other subjects, plus half the gap to questions from the corpus
  itself (answer/calibrate.py); for a question in the corpus' language, its
  words must also be mostly unknown to the index. An index without
  calibration falls back to the model's fixed cosine floor (reason ``far``).
  "Mostly missing" means: most of the question's (IDF-weighted) words occur in
  no passage at all – a short keyword question whose words the documents use
  is never judged far, however low its cosines.
  Reason ``nothing``: no passage was ranked at all.
- ``nearest``: the closest passages are shown with a note, because the cases
  may not answer exactly this. Reason ``names``: the question names something
  no passage mentions (a town or a product the index lacks) as its subject; reason ``weak``:
  the keyword evidence (the IDF-weighted share of the question's content words
  found in the best `evidence_depth` passages) is below `min_coverage` and the
  best cosine is not confident, or the cosines are as low as for questions on
  other subjects while the words are known to the index; reason ``detail``: the question asks for a
  number, an amount or a time and none of the best passages holds one
  (answer/answer_type.py).
- ``answer``: otherwise. An unknown name beside a known subject (an unknown
  town beside a municipality of the index) gives verdict ``answer`` with reason ``names``
  when the rest of the question is covered: the note is shown, the passages
  count as the answer.

Words only count for questions in the corpus' language: an English question
shares no words with the Danish text and is judged by its cosines alone. In
bm25 mode there are no cosines: keyword evidence only.
"""

from __future__ import annotations

from dataclasses import dataclass

ANSWER = "answer"
NEAREST = "nearest"
NONE = "none"
VERDICTS = (ANSWER, NEAREST, NONE)
#: A question most of whose words the index has is never judged far from the corpus.
OFFTOPIC_MAX_COVERAGE = 0.5


@dataclass(frozen=True)
class Evidence:
    """What the decision looks at for one question."""

    dense_top: float  # best cosine between the question and any passage
    coverage: float  # IDF-weighted share of the question's words found in the best passages
    english: bool  # the question is not in the corpus' language: its words cannot match
    unknown: tuple[str, ...] = ()  # names in the question that no passage mentions
    #: Coverage of the question without the unknown names' words (= coverage without any).
    coverage_rest: float | None = None
    #: Median cosine to the calibration sample of passages (None: index not calibrated).
    domain: float | None = None
    #: The question also names something the passages are about (a municipality of the
    #: index, an acronym they use): an unknown name beside it is context, not the subject.
    anchored: bool = False
    #: The question asks for a number, an amount or a time that none of the best passages
    #: holds (answer/answer_type.py).
    detail_missing: bool = False
    #: IDF-weighted share of the question's words that the index has at all.
    known_share: float = 1.0


@dataclass(frozen=True)
class Decision:
    """The verdict, why (a reason code, "" for a plain answer), and on what evidence."""

    verdict: str
    reason: str
    evidence: Evidence

    @property
    def abstained(self) -> bool:
        """Nothing is shown: verdict ``none``."""
        return self.verdict == NONE


@dataclass(frozen=True)
class AbstainRule:
    """The thresholds of the decision (see the module docstring).

    `min_dense` is the fixed cosine floor used only where the index carries no
    calibration; `confident_dense` is the cosine above which weak keyword
    evidence alone does not make the passages only the nearest.
    """

    min_dense: float = 0.78
    confident_dense: float = 0.86
    min_coverage: float = 0.25
    evidence_depth: int = 3
    unknown_names: bool = True
    #: Judge questions far from the corpus by the index's calibration (verdict none);
    #: off, or without calibration, the fixed floor `min_dense` judges.
    offtopic: bool = True

    def decide(
        self,
        mode: str,
        ev: Evidence,
        ranked: bool = True,
        far_below: tuple[float, float] | None = None,
    ) -> Decision:
        """The decision for this evidence.

        `ranked` is False when no passage was found; `far_below` is the (best
        cosine, domain cosine) pair from the index's calibration, if it has one.
        """
        if not ranked:
            return Decision(NONE, "nothing", ev)
        verdict, reason = self._verdict(mode, ev, far_below)
        return Decision(verdict, reason, ev)

    def _verdict(
        self, mode: str, ev: Evidence, far_below: tuple[float, float] | None
    ) -> tuple[str, str]:
        words_count = not ev.english
        far = False  # both cosines as low as for questions on other subjects
        if mode != "bm25":
            if self.offtopic and far_below is not None and ev.domain is not None:
                top, domain = far_below
                far = ev.dense_top <= top and ev.domain <= domain
                mostly_missing = not words_count or ev.known_share < OFFTOPIC_MAX_COVERAGE
                if far and mostly_missing:
                    return NONE, "offtopic"
            elif ev.dense_top < self.min_dense:
                return NONE, "far"
        if not words_count:
            return (NEAREST, "detail") if ev.detail_missing else (ANSWER, "")
        confident = mode != "bm25" and ev.dense_top >= self.confident_dense
        if self.unknown_names and ev.unknown:
            rest = ev.coverage if ev.coverage_rest is None else ev.coverage_rest
            answered = ev.anchored and rest >= self.min_coverage
            return (ANSWER if answered else NEAREST), "names"
        if (ev.coverage < self.min_coverage and not confident) or far:
            # Far cosines with known words: never a confident answer, never a refusal.
            return NEAREST, "weak"
        if ev.detail_missing:
            return NEAREST, "detail"
        return ANSWER, ""

    def reason(self, mode: str, ev: Evidence) -> str:
        """The reason code of an uncalibrated decision ("" for a plain answer)."""
        return self._verdict(mode, ev, None)[1]


#: Thresholds measured per model on eval/questions.jsonl (eval/RESULTS.md, "Abstention").
CALIBRATED: dict[str, AbstainRule] = {
    "multilingual-e5-small": AbstainRule(min_dense=0.78, confident_dense=0.86),
}
#: For a model without calibrated cosines: keyword evidence only (cosine never decides).
KEYWORDS_ONLY = AbstainRule(min_dense=-1.0, confident_dense=2.0)


def rule_for_model(model: str) -> AbstainRule:
    """The calibrated rule of this model, or the keyword-only rule."""
    return CALIBRATED.get(model, KEYWORDS_ONLY)
