"""The answer/abstain decision: is there a passage in the index that answers?

The decision looks at evidence gathered by the searcher (`Evidence`) and gives
a `Decision`: a verdict and the reason for it, as codes. Wording for people is
made at the edges (the chat and the CLI), never here.

Reasons, in the order they are tried (the first that fires decides):

1. ``names``: the question names something no passage mentions ("Aarhus",
   "ChatGPT"): the cases cannot be about it.
2. ``far``: the best cosine is below `min_dense`: the question is far from
   every passage.
3. ``weak``: the best cosine is below `confident_dense` and the keyword
   evidence (the IDF-weighted share of the question's content words found in
   the best `evidence_depth` passages) is below `min_coverage`. Dense cosine
   alone cannot separate near-domain questions the cases do not answer (their
   cosines overlap real ones); their specific words are what is missing.
4. ``nothing``: no passage was ranked at all.

Reasons 1 and 3 use words, so they only apply to questions in the corpus'
language: an English question shares no words with the Danish text and is
judged by its cosine alone (reason 2). In bm25 mode there is no cosine:
reasons 1 and 3 only.

Cosine thresholds depend on the model (e5 cosines sit in a narrow band), so
they are stored per model in `CALIBRATED`; a model without calibrated
thresholds is judged on keyword evidence alone.
"""

from __future__ import annotations

from dataclasses import dataclass

ANSWER = "answer"
NONE = "none"


@dataclass(frozen=True)
class Evidence:
    """What the decision looks at for one question."""

    dense_top: float  # best cosine between the question and any passage
    coverage: float  # IDF-weighted share of the question's words found in the best passages
    english: bool  # the question is not in the corpus' language: its words cannot match
    unknown: tuple[str, ...] = ()  # names in the question that no passage mentions


@dataclass(frozen=True)
class Decision:
    """The verdict (`ANSWER` or `NONE`), why (a reason code, "" when answering), and on what."""

    verdict: str
    reason: str
    evidence: Evidence

    @property
    def abstained(self) -> bool:
        return self.verdict == NONE


@dataclass(frozen=True)
class AbstainRule:
    """The thresholds of the decision (see the module docstring)."""

    min_dense: float = 0.78
    confident_dense: float = 0.86
    min_coverage: float = 0.25
    evidence_depth: int = 3
    unknown_names: bool = True

    def reason(self, mode: str, ev: Evidence) -> str:
        """Why to abstain ("" = answer): "names", "far" or "weak"."""
        words_count = not ev.english
        if words_count and self.unknown_names and ev.unknown:
            return "names"
        if mode == "bm25":
            return "weak" if ev.coverage < self.min_coverage else ""
        if ev.dense_top < self.min_dense:
            return "far"
        if words_count and ev.dense_top < self.confident_dense:
            return "weak" if ev.coverage < self.min_coverage else ""
        return ""

    def decide(self, mode: str, ev: Evidence, ranked: bool = True) -> Decision:
        """The decision for this evidence; `ranked` is False when no passage was found."""
        reason = self.reason(mode, ev) if ranked else "nothing"
        return Decision(NONE if reason else ANSWER, reason, ev)


#: Thresholds measured per model on eval/questions.jsonl (eval/RESULTS.md, "Abstention").
CALIBRATED: dict[str, AbstainRule] = {
    "multilingual-e5-small": AbstainRule(min_dense=0.78, confident_dense=0.86),
}
#: For a model without calibrated cosines: keyword evidence only (cosine never decides).
KEYWORDS_ONLY = AbstainRule(min_dense=-1.0, confident_dense=2.0)


def rule_for_model(model: str) -> AbstainRule:
    """The calibrated rule of this model, or the keyword-only rule."""
    return CALIBRATED.get(model, KEYWORDS_ONLY)
