"""Find Danish municipalities in a text, against the official list of the 98.

The list (ingest/data/kommuner.txt, with its source) gives each municipality's
official name ("Københavns Kommune", "Bornholms Regionskommune") and the short
name casechat shows ("København", "Bornholm"). A name matches as a whole word,
also in the genitive ("Københavns", "Aarhus'") and as the first part of a
hyphenated compound ("Herning-modellen"), never inside another word
("Ærøskøbing" is no mention of Ærø). Names that are also ordinary Danish words
("vejen", "greve", "odder", "skive", "varde", "tønder", "lejre") match only
capitalized and, at the start of a sentence, only followed by "Kommune".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "kommuner.txt"

#: Short names that are ordinary words too (road, earl, otter, slice, cairn, barrels, camps).
AMBIGUOUS = frozenset({"Vejen", "Greve", "Odder", "Skive", "Varde", "Tønder", "Lejre"})
#: Other spellings in use.
ALIASES = {
    "Aarhus": ("Århus",),
    "Aabenraa": ("Åbenrå",),
    "Aalborg": ("Ålborg",),
    "Tårnby": ("Taarnby",),
    "Høje-Taastrup": ("Høje Taastrup",),
    "Lyngby-Taarbæk": ("Lyngby Taarbæk",),
    "Faaborg-Midtfyn": ("Faaborg Midtfyn",),
}
#: A document is about a municipality it names at least this often, and at least this
#: share of the most named one's count (a passing mention of a neighbour is not enough).
MIN_MENTIONS = 2
MIN_SHARE = 0.25
MAX_PER_DOCUMENT = 8
#: A short text (a news item) is about a municipality it names once.
SHORT_TEXT_CHARS = 3000


@dataclass(frozen=True)
class Municipality:
    code: int
    official: str
    name: str
    pattern: re.Pattern[str]


def _pattern(name: str, official: str) -> re.Pattern[str]:
    forms = sorted({name, official.removesuffix(" Kommune"), *ALIASES.get(name, ())}, key=len)
    words = "|".join(re.escape(f) for f in reversed(forms))
    genitive = r"(?:s|')?"
    boundary = r"(?![\w'])"
    if name in AMBIGUOUS:
        start = r"(?<![.!?:•\n]\s)(?<![.!?:•\n])(?<!^)"
        return re.compile(
            rf"(?:(?<![\w-]){start}(?:{words}){genitive}{boundary}"
            rf"|(?<![\w-])(?:{words}){genitive} (?:Kommune|Kommunes)\b)",
            re.M,
        )
    return re.compile(rf"(?<![\w-])(?:{words}){genitive}{boundary}", re.IGNORECASE)


@cache
def municipalities() -> tuple[Municipality, ...]:
    """The 98 municipalities of ingest/data/kommuner.txt."""
    found = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, official, name = line.split("\t")
            found.append(Municipality(int(code), official, name, _pattern(name, official)))
    return tuple(found)


@cache
def _by_name() -> dict[str, Municipality]:
    return {m.name.lower(): m for m in municipalities()}


def canonical(name: str) -> str | None:
    """The short official name for a name as a person writes it, or None if unknown."""
    name = name.strip()
    for m in municipalities():
        if m.pattern.fullmatch(name) or name.lower() in {m.official.lower(), m.name.lower()}:
            return m.name
    return None


def count_mentions(text: str) -> Counter[str]:
    """How often each municipality is named in `text` (short names)."""
    return Counter({m.name: n for m in municipalities() if (n := len(m.pattern.findall(text)))})


def mentions(text: str, name: str) -> bool:
    """Whether `text` names the municipality `name`; unknown names match as substrings."""
    known = _by_name().get(name.strip().lower())
    if known is None:
        return name.lower() in text.lower()
    return known.pattern.search(text) is not None


def about(text: str, title: str = "") -> tuple[str, ...]:
    """The municipalities a document is about, most named first.

    Those its title names, and those named at least MIN_MENTIONS times and at
    least MIN_SHARE as often as the most named one; a short text is about a
    municipality it names once.
    """
    counts = count_mentions(text)
    if not counts:
        return ()
    in_title = [name for name, _ in count_mentions(title).most_common()]
    top = counts.most_common(1)[0][1]
    least = max(MIN_MENTIONS, math.ceil(top * MIN_SHARE))
    if len(text) <= SHORT_TEXT_CHARS:
        least = 1
    chosen = in_title + [n for n, c in counts.most_common() if c >= least and n not in in_title]
    return tuple(chosen[:MAX_PER_DOCUMENT])
