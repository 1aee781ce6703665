"""Danish-aware tokens for keyword search.

Words are lowercased, Danish stop words dropped (also when typed without
æ/ø/å: "paa", "naar"), stemmed with the Snowball
Danish stemmer, then folded to a spelling skeleton in which æ/ae, ø/oe and
å/aa all become one letter, so "velfærd", "velfaerd" and "velfard" meet.
Compound words are found through their character n-grams: the n-grams of
"strategi" are all inside "digitaliseringsstrategi".

The steps are switches of one `Analyzer`; `ANALYZER` is the one the index and
the search use (tools/sweep passes others to `LexicalIndex.build` to compare).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_DANISH

#: Bump when tokens change: an index built with other tokens must be rebuilt.
ANALYZER_VERSION = 2
NGRAM = 4

_WORD = re.compile(r"\w+", re.UNICODE)
_FOLD = [("æ", "a"), ("ø", "o"), ("å", "a"), ("ae", "a"), ("oe", "o"), ("aa", "a"), ("é", "e")]
_STEMMER = Stemmer.Stemmer("danish")


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Spelling skeleton: æ/ae -> a, ø/oe -> o, å/aa -> a, accents dropped."""
    for src, dst in _FOLD:
        word = word.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_STOP = frozenset(STOPWORDS_DANISH) | frozenset(fold(w) for w in STOPWORDS_DANISH)


@lru_cache(maxsize=200_000)
def _term(word: str, stem: bool, folded: bool) -> str:
    word = _STEMMER.stemWord(word) if stem else word
    return fold(word) if folded else word


@dataclass(frozen=True)
class Analyzer:
    """Which steps turn text into index terms."""

    stem: bool = True
    fold: bool = True
    stop: bool = True
    ngram: int = NGRAM

    def words(self, text: str) -> list[str]:
        tokens = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
        return [
            _term(w, self.stem, self.fold)
            for w in tokens
            if ((not self.stop or fold(w) not in _STOP) and len(w) > 1) or w.isdigit()
        ]

    def ngrams(self, terms: list[str]) -> list[str]:
        grams = []
        n = self.ngram
        for term in terms:
            padded = f"_{term}_"
            if len(padded) <= n:
                grams.append(padded)
            else:
                grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams


ANALYZER = Analyzer()


def words(text: str) -> list[str]:
    """Stemmed, folded content words."""
    return ANALYZER.words(text)


def ngrams(terms: list[str], n: int | None = None) -> list[str]:
    """Character n-grams of each term, with word-boundary markers."""
    return ANALYZER.ngrams(terms) if n is None else Analyzer(ngram=n).ngrams(terms)


#: English function words that are not also Danish words ("it", "to", "at" are).
_ENGLISH = frozenset(
    "a an the of and in on with from about into is are was were be been does did do has "
    "had have what how why who which when where this that these those you your their can "
    "could should would".split()
)
_NAME = re.compile(r"\w[\w'’+-]*", re.UNICODE)


def looks_english(text: str) -> bool:
    """More English than Danish function words: the question is not in the corpus' language."""
    tokens = _WORD.findall(text.lower())
    english = sum(t in _ENGLISH for t in tokens)
    return english >= 2 and english > sum(t in _STOP for t in tokens)


def names(text: str) -> list[str]:
    """Words written as names: capitalized inside a sentence, or acronyms anywhere.

    "Hvordan har Atlantis Kommune brugt RoboKom?" -> ["Atlantis", "Kommune", "RoboKom"].
    A capital after ".", "!", "?" or ":" starts a sentence and says nothing.
    """
    found = []
    for match in _NAME.finditer(text):
        word = match.group()
        letters = [c for c in word if c.isalpha()]
        acronym = len(letters) >= 2 and all(c.isupper() for c in letters)
        before = text[: match.start()].rstrip()
        starts_sentence = not before or before.endswith((".", "!", "?", ":"))
        if acronym or (word[:1].isupper() and not starts_sentence):
            found.append(word)
    return found
