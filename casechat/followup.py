"""Follow-up questions in the web chat.

Every question is answered from the index on its own, with one exception: a
short question (at most four words) that begins with "og", "hvad med" or "men",
such as "og i Odense?" or "hvad med Viborg?", is read as a follow-up to the
previous question that was searched.

- If the follow-up names a municipality and the previous question named one
  or more, those names are swapped for the new one:
  "Hvordan har Viborg arbejdet med ledelse?" + "og i Odense?" is searched as
  "Hvordan har Odense arbejdet med ledelse?".
- Otherwise the follow-up's own words (without "og"/"hvad med"/"men") are
  added to the end of the previous question.

The combined question then counts as the previous question for the next
follow-up, so "og i Odense?" followed by "hvad med Herning?" works too. The
answer always says what was searched ("Søgt på »…«"). The municipality and
document filters are not changed by a follow-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.analyze import words

MAX_WORDS = 4
_LEAD = re.compile(r"^\s*(?:og|men|hvad\s+med)\b[\s,:]*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Resolved:
    """The question to search, and whether it was built from the previous one."""

    question: str
    followup: bool = False


def _token_terms(text: str) -> list[tuple[int, int, str | None]]:
    """(start, end, index term or None for stop words) for each word of `text`."""
    out = []
    for match in _TOKEN.finditer(text):
        terms = words(match.group())
        out.append((match.start(), match.end(), terms[0] if terms else None))
    return out


def _find(text: str, name: str) -> list[tuple[int, int]]:
    """Spans of `text` where the municipality `name` occurs, compared as index terms."""
    target = words(name)
    tokens = _token_terms(text)
    spans = []
    if not target:
        return spans
    for i in range(len(tokens) - len(target) + 1):
        window = tokens[i : i + len(target)]
        if [t for _, _, t in window] == target:
            spans.append((window[0][0], window[-1][1]))
    return spans


def is_followup(question: str) -> bool:
    """Short and starting with "og", "hvad med" or "men"."""
    return len(question.split()) <= MAX_WORDS and _LEAD.match(question) is not None


def resolve(question: str, previous: str | None, municipalities: Iterable[str]) -> Resolved:
    """The question to search for `question`, given the previous searched question."""
    match = _LEAD.match(question)
    if not previous or not is_followup(question) or match is None:
        return Resolved(question)
    rest = match.group("rest").strip().rstrip("?.!").strip()
    named = [m for m in municipalities if _find(rest, m)]
    if named:
        spans = sorted(
            (s for m in municipalities for s in _find(previous, m)),
            key=lambda s: (s[0], -s[1]),
        )
        if spans:
            replacement = " og ".join(named)
            out, cursor = [], 0
            for start, end in spans:
                if start < cursor:  # a name inside a longer one ("Ringkøbing-Skjern")
                    continue
                out.append(previous[cursor:start] + replacement)
                cursor = end
            return Resolved("".join(out) + previous[cursor:], followup=True)
    if not rest:
        return Resolved(previous, followup=True)
    return Resolved(f"{previous.rstrip()} {rest}", followup=True)
