"""Words as words: the dictionary forms (lemmas) of Danish words, for matching a
question's words with a passage's where stemming would confuse them.

The Snowball stemmer that BM25 uses cuts "bager" (bakes) to "bag" (behind), so a
cake question "met" a sentence ending "… der er forskning bag". Here each word is
looked up in the Danish Hunspell dictionary (Stavekontrolden, vendored in
index/data/hunspell-da with its licence) through `chunspell`, and two words match
when they share a dictionary form: "bager" is "bager" or "bage", "bag" is "bag",
"medarbejderne" is "medarbejder", "Københavns" is "København".

Rules, the same for every word (none picked for a question):
- Analyses of the word as a simple word win over compound analyses.
- An imperative reading is dropped when the word has another one: a Danish
  imperative is the bare verb stem ("bag", "brug", "skab"), which is nearly
  always also a noun or preposition, and questions and reports rarely command.
- A compound's dictionary form is its first parts as written plus the
  dictionary form of its last part ("ledelsesudviklingen" -> "ledelsesudvikling");
  the last part's own form is its `head` ("udvikling"), a weaker match.
- A word the dictionary does not know (names, English, new coinages, a word typed
  without æ/ø/å) falls back to its Snowball stem.
All forms are folded like the index terms (æ/ae -> a, ø/oe -> o, å/aa -> a), so
"velfaerd" typed without æ meets "velfærd". Without the dictionary or `chunspell`
every word falls back to its stem, and `available()` says so.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from bm25s.stopwords import STOPWORDS_DANISH

from index.analyze import fold, words

log = logging.getLogger("casechat.lemma")

DICTIONARY = Path(__file__).with_name("data") / "hunspell-da"
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(STOPWORDS_DANISH) | frozenset(fold(w) for w in STOPWORDS_DANISH)
_STEM = re.compile(r"st:(\S+)((?:\s+\+\S+)*)")
_PART = re.compile(r"pa:(\S+)")
_LOCK = threading.Lock()  # one Hunspell object, not documented as thread-safe


@dataclass(frozen=True)
class Word:
    """One word of a text: where it is, its dictionary forms and, for a compound, the
    dictionary form of its last part (all folded)."""

    start: int
    end: int
    forms: frozenset[str]
    heads: frozenset[str] = frozenset()


@cache
def _speller():
    """The Hunspell dictionary, or None (then every word falls back to its stem)."""
    try:
        from hunspell import Hunspell  # the `chunspell` package
    except ImportError:
        log.warning("chunspell mangler: ord sammenlignes på ordstamme (pip install chunspell)")
        return None
    if not (DICTIONARY / "da_DK.dic").is_file():
        log.warning("Den danske ordbog mangler i %s: ord sammenlignes på ordstamme", DICTIONARY)
        return None
    return Hunspell("da_DK", hunspell_data_dir=str(DICTIONARY))


def available() -> bool:
    """Whether words are matched by dictionary form (False: by stem only)."""
    return _speller() is not None


def _analyses(token: str) -> list[tuple[str, bool, str | None]]:
    """(dictionary form, is imperative, last part as written or None) for each reading."""
    speller = _speller()
    if speller is None:
        return []
    variants = [token, token.lower()] if token[:1].isupper() else [token]
    found = []
    with _LOCK:
        raw = [a for v in dict.fromkeys(variants) for a in speller.analyze(v)]
    for analysis in raw:
        part = _PART.findall(analysis)
        for stem, tags in _STEM.findall(analysis):
            found.append((stem, "+IMPERATIV" in tags, part[-1] if part else None))
    return found


def _fallback(token: str) -> frozenset[str]:
    return frozenset(words(token)) or frozenset({fold(token.lower())})


@lru_cache(maxsize=300_000)
def word_forms(token: str) -> tuple[frozenset[str], frozenset[str]]:
    """(dictionary forms, compound heads) of one word as written, folded."""
    readings = _analyses(token)
    simple = [r for r in readings if r[2] is None]
    readings = simple or readings
    plain = [r for r in readings if not r[1]]
    readings = plain or readings
    if not readings:
        return _fallback(token), frozenset()
    lower = token.lower()
    forms, heads = set(), set()
    for stem, _, part in readings:
        stem = stem.lower()
        if part is None:
            forms.add(fold(stem))
        else:
            prefix = lower[: max(0, len(lower) - len(part))]
            forms.add(fold(prefix + stem))
            heads.add(fold(stem))
    return frozenset(forms), frozenset(heads - forms)


def is_content(token: str) -> bool:
    """A word that carries meaning: no stop word, no one-letter token (digits count)."""
    if token.isdigit():
        return True
    return len(token) > 1 and fold(token.lower()) not in _STOP


def text_words(text: str) -> list[Word]:
    """The content words of `text` with their dictionary forms, in order."""
    out = []
    for match in _WORD.finditer(text):
        token = unicodedata.normalize("NFC", match.group())
        if is_content(token):
            forms, heads = word_forms(token)
            out.append(Word(match.start(), match.end(), forms, heads))
    return out


def lemmas(text: str) -> frozenset[str]:
    """Every dictionary form of the content words of `text`."""
    return frozenset(f for w in text_words(text) for f in w.forms)
