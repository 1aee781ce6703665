"""Municipalities named in a question: answered first from passages about them.

A question (or a follow-up, casechat/followup.py) that names a municipality the
index has passages about is answered first from those passages, where any of the
ranked candidates is about it and meets the question's other words about as well
as the best candidate does (`RELATIVE`); the rest keep their order behind them. When
none of the shown passages is about it, the result says which municipalities are
missing, and the chat, `casechat search` and the API say so in a note.

Names are found with the official list's patterns (ingest/municipalities.py), and
"about" is the passage's own metadata (`Chunk.municipalities`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from answer.wordmatch import QuestionWords, TextForms
from ingest.document import Chunk
from ingest.municipalities import municipalities

#: A passage about the named municipality goes first when it meets the question's other
#: words at least this share as well as the best candidate does (chosen before measuring:
#: half as well; not fitted to any question).
RELATIVE = 0.5
#: How many of the ranked candidates are looked at.
DEPTH = 20


@dataclass(frozen=True)
class Places:
    """What the question named, and which of those no shown passage is about."""

    named: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    #: Passages about a named municipality were moved to the front.
    moved: bool = False
    #: Every municipality the index has passages about.
    known: tuple[str, ...] = ()


def named_in(question: str, known: Iterable[str]) -> tuple[str, ...]:
    """The municipalities of `known` that the question names, in the order it names them."""
    known = set(known)
    found = []
    for m in municipalities():
        if m.name in known and (hit := m.pattern.search(question)):
            found.append((hit.start(), m.name))
    return tuple(name for _, name in sorted(found))


def without_names(question: str, named: Sequence[str]) -> str:
    """The question with the named municipalities taken out (what else it asks about)."""
    out = question
    for m in municipalities():
        if m.name in named:
            out = m.pattern.sub(" ", out)
    return out


def about_first(
    ranked: list[tuple[int, float]],
    chunks: Callable[[int], Chunk],
    named: Sequence[str],
    asks: QuestionWords,
    forms: Callable[[int], TextForms],
) -> tuple[list[tuple[int, float]], bool]:
    """`ranked` with the candidates about a named municipality first, when they meet the
    question's other words (`asks`) at least RELATIVE as well as the best candidate.
    Returns the new order and whether anything moved."""
    if not named or not ranked:
        return ranked, False
    wanted, top = set(named), ranked[:DEPTH]
    about = [i for i, (cid, _) in enumerate(top) if wanted & set(chunks(cid).municipalities)]
    if not about:
        return ranked, False
    if asks.total:
        shares = {cid: asks.word_share(forms(cid)) for cid, _ in top}
        best = max(shares.values())
        about = [i for i in about if shares[ranked[i][0]] >= RELATIVE * best and best > 0]
    if not about:
        return ranked, False
    # A passage about the named municipalities alone before one about them among others.
    alone = [i for i in about if set(chunks(ranked[i][0]).municipalities) <= wanted]
    about = alone + [i for i in about if i not in alone]
    first = [ranked[i] for i in about]
    chosen = set(about)
    rest = [pair for i, pair in enumerate(ranked) if i not in chosen]
    order = first + rest
    return order, order != ranked


def missing_from(named: Sequence[str], shown: Iterable[Chunk]) -> tuple[str, ...]:
    """The named municipalities that no shown passage is about."""
    covered = {m for chunk in shown for m in chunk.municipalities}
    return tuple(m for m in named if m not in covered)
