"""Municipalities named in a question: answered first from passages about them.

A question (or a follow-up, casechat/followup.py) that names a municipality the
index has passages about is answered first from those passages where they treat
the question: their best passage meets the question's other words about as well
as the best passage from elsewhere does (`RELATIVE`). When they do not, their
passages go behind the others (naming the place is not enough to be shown). When none of the
shown passages is about it, the result says which municipalities are missing, and
the chat, `casechat search` and the API say so in a note.

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
    """`ranked` answered first from the named municipalities' passages where they treat
    the question. Returns the new order and whether anything moved.

    When the best passage is about the named alone, the order stands. Else, among the
    top DEPTH, the named municipalities treat the question when their best passage meets
    its other words (`asks`) at least RELATIVE as well as the best of the other passages;
    then their passages that meet it that well go first (about the named alone before about
    them among others). When they do not treat it, their passages go behind the others
    of the top: a passage is not shown for naming the place alone.
    """
    if not named or not ranked or not asks.total:
        return ranked, False
    wanted, top = set(named), ranked[:DEPTH]
    places = [set(chunks(cid).municipalities) for cid, _ in top]
    about = [i for i in range(len(top)) if wanted & places[i]]
    if not about or places[0] and places[0] <= wanted:
        return ranked, False
    shares = [asks.word_share(forms(cid)) for cid, _ in top]
    best_here = max(shares[i] for i in about)
    best_elsewhere = max((shares[i] for i in range(len(top)) if i not in about), default=0.0)
    if best_here > 0 and best_here >= RELATIVE * best_elsewhere:
        meets = [i for i in about if shares[i] >= RELATIVE * best_here]
        first = [i for i in meets if places[i] <= wanted] + [
            i for i in meets if not places[i] <= wanted
        ]
        rest = [i for i in range(len(top)) if i not in first]
    else:
        first = [i for i in range(len(top)) if i not in about]
        rest = about
    order = [top[i] for i in first + rest] + ranked[DEPTH:]
    return order, order != ranked


def missing_from(named: Sequence[str], shown: Iterable[Chunk]) -> tuple[str, ...]:
    """The named municipalities that no shown passage is about."""
    covered = {m for chunk in shown for m in chunk.municipalities}
    return tuple(m for m in named if m not in covered)
