"""Danish-aware tokens for keyword search.

Words are lowercased, Danish stop words dropped, stemmed with the Snowball
Danish stemmer, then folded to a spelling skeleton in which æ/ae, ø/oe and
å/aa all become one letter, so "velfærd", "velfaerd" and "velfard" meet.
Compound words are found through their character n-grams: the n-grams of
"strategi" are all inside "digitaliseringsstrategi".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_DANISH

#: Bump when tokens change: an index built with other tokens must be rebuilt.
ANALYZER_VERSION = 1
NGRAM = 4

_WORD = re.compile(r"\w+", re.UNICODE)
_FOLD = [("æ", "a"), ("ø", "o"), ("å", "a"), ("ae", "a"), ("oe", "o"), ("aa", "a"), ("é", "e")]
_STEMMER = Stemmer.Stemmer("danish")


def fold(word: str) -> str:
    """Spelling skeleton: æ/ae -> a, ø/oe -> o, å/aa -> a, accents dropped."""
    for src, dst in _FOLD:
        word = word.replace(src, dst)
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_STOP = frozenset(STOPWORDS_DANISH) | frozenset(fold(w) for w in STOPWORDS_DANISH)


@lru_cache(maxsize=200_000)
def _term(word: str) -> str:
    return fold(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """Stemmed, folded content words."""
    tokens = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    return [_term(w) for w in tokens if (w not in _STOP and len(w) > 1) or w.isdigit()]


def ngrams(terms: list[str], n: int = NGRAM) -> list[str]:
    """Character n-grams of each term, with word-boundary markers."""
    grams = []
    for term in terms:
        padded = f"_{term}_"
        if len(padded) <= n:
            grams.append(padded)
        else:
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams
