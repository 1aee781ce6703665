"""Query words that no passage contains: split compounds, mend typos, against the index.

Danish writes compounds as one word, so a question's compound may meet its
parts in the passages but never the compound itself, and a question typed fast
has words no text has. For each content word
of the question with no passage at all (document frequency 0), and that is not
written as a name:

1. **Compound:** split it into two or three parts that the index does contain
   (the parts are stemmed as the index stems; a linking "s" or "e" between
   parts, as in "digitaliserings|strategi", is allowed).
2. **Typo:** else the index term nearest by edit distance, within 1 edit for
   words of 5–8 letters and 2 for longer ones (rapidfuzz), with the same first
   letter (typing slips rarely hit the first letter, while a real word the
   corpus lacks often has a neighbour that differs there), the most frequent
   one on ties.

The found terms are added to the keyword search and count for the keyword
evidence of the decision in place of the word. Everything is looked up in the
index's own vocabulary, so it works for any corpus without a dictionary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from index.analyze import ANALYZER, names, words

MIN_PART = 3
LINKS = ("s", "e")


@dataclass(frozen=True)
class Expansion:
    """What a question word without any passage stands for in the index."""

    word: str  # the question's term (stemmed, folded)
    terms: tuple[str, ...]  # index terms that stand in for it
    kind: str  # "compound" or "typo"


class Expander:
    """Splits and mends question terms against one index's vocabulary."""

    def __init__(self, doc_freq: Callable[[str], int], vocabulary: Iterable[str]) -> None:
        self.doc_freq = doc_freq
        self._vocabulary = [t for t in vocabulary if len(t) >= MIN_PART and not t.isdigit()]
        self._known = lru_cache(maxsize=50_000)(self._lookup)

    def _lookup(self, part: str) -> str:
        """The index term for a piece of a word ("" when the index has none)."""
        if self.doc_freq(part) > 0:
            return part
        stemmed = ANALYZER.words(part)
        return stemmed[0] if len(stemmed) == 1 and self.doc_freq(stemmed[0]) > 0 else ""

    def split(self, term: str, depth: int = 2) -> tuple[str, ...]:
        """Index terms that make up `term` (longest first part first), or ()."""
        for cut in range(len(term) - MIN_PART, MIN_PART - 1, -1):
            head, tail = term[:cut], term[cut:]
            heads = [head] + [head[: -len(link)] for link in LINKS if head.endswith(link)]
            for piece in heads:
                if len(piece) < MIN_PART or not (left := self._known(piece)):
                    continue
                if right := self._known(tail):
                    return (left, right)
                if depth > 1 and (rest := self.split(tail, depth - 1)):
                    return (left, *rest)
        return ()

    def mend(self, term: str) -> str:
        """The index term within a small edit distance of `term`, or ""."""
        if len(term) < 5 or not self._vocabulary:
            return ""
        limit = 1 if len(term) <= 8 else 2
        found = process.extract(
            term,
            self._vocabulary,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=limit,
            limit=5,
        )
        found = [m for m in found if m[0][0] == term[0]]
        if not found:
            return ""
        best = min(found, key=lambda m: (m[1], -self.doc_freq(m[0]), m[0]))
        return best[0]

    def expand(self, question: str) -> list[Expansion]:
        """The expansions of the question's words that no passage contains."""
        named = {t for name in names(question) for t in ANALYZER.words(name)}
        out = []
        for term in dict.fromkeys(ANALYZER.words(question)):
            if term in named or term.isdigit() or self.doc_freq(term) > 0:
                continue
            if parts := self.split(term):
                out.append(Expansion(term, parts, "compound"))
            elif mended := self.mend(term):
                out.append(Expansion(term, (mended,), "typo"))
        return out


def with_expansions(query: str, expansions: list[Expansion]) -> str:
    """The question for the keyword search, with the index terms its missing words stand for
    (each kept only if the analyzer reads it back as itself)."""
    extra = [t for e in expansions for t in e.terms if words(t) == [t]]
    return f"{query} {' '.join(extra)}" if extra else query
