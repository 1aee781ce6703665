"""Term and n-gram counts of a question's candidate passages, for the exact BM25 re-scoring
in index/lexical.py, counted in bulk rather than passage by passage in Python.

A passage is the text of its stored ``words`` field: its analysed terms joined by single
spaces (index/lexical.py ``passage_document``). Terms are ``\\w+`` runs, so they hold no
space. The counts equal those of ``Counter(text.split())`` and of the analyser's
``ngrams`` of those terms (tests/test_lexical_counts.py).
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def word_counts(texts: list[str], terms: list[str]) -> np.ndarray:
    """How often each term occurs as a whole word in each passage: (passages, terms)."""
    out = np.zeros((len(texts), len(terms)), np.float32)
    if not terms or not texts:
        return out
    # Two spaces between words, so each word has a space of its own on both sides.
    spaced = [f" {text.replace(' ', '  ')} " for text in texts]
    starts = np.cumsum([0] + [len(s) for s in spaced[:-1]])
    whole = "".join(spaced)
    for column, term in enumerate(terms):
        needle = f" {term} "
        spots = []
        at = whole.find(needle)
        while at >= 0:
            spots.append(at)
            at = whole.find(needle, at + len(needle))
        if spots:
            rows = np.searchsorted(starts, spots, side="right") - 1
            out[:, column] = np.bincount(rows, minlength=len(texts))
    return out


def _letters(codes: np.ndarray, alphabet: np.ndarray) -> np.ndarray:
    """Each code's place in ``alphabet`` plus one, 0 for a code not in it (a look-up table
    up to the largest code: a few MB at most, and faster than a search per code)."""
    table = np.zeros(int(max(codes.max(initial=0), alphabet.max(initial=0))) + 1, np.int64)
    table[alphabet] = np.arange(1, len(alphabet) + 1)
    return table[codes]


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), np.uint32)


def _counted(texts: list[str], grams: list[str], n: int) -> np.ndarray:
    """The same counts, passage by passage in Python (for an alphabet too large to key)."""
    out = np.zeros((len(texts), len(grams)), np.float32)
    for row, text in enumerate(texts):
        found: Counter[str] = Counter()
        for term in text.split():
            padded = f"_{term}_"
            found.update(
                [padded]
                if len(padded) <= n
                else (padded[i : i + n] for i in range(len(padded) - n + 1))
            )
        out[row] = [found[g] for g in grams]
    return out


def gram_counts(texts: list[str], grams: list[str], n: int) -> np.ndarray:
    """How often each n-gram of the analyser (``_term_`` windows of ``n`` characters, or
    the whole ``_term_`` when it is shorter) occurs in each passage: (passages, grams).

    The passages are padded as the analyser pads terms and joined into one text; every
    window of ``n`` characters that starts like a wanted gram is encoded as an integer over
    the grams' own letters and looked up among them at once (a window across a space
    matches none).
    A gram shorter than ``n`` is a whole short term, so it is counted as a word."""
    out = np.zeros((len(texts), len(grams)), np.float32)
    short = [i for i, g in enumerate(grams) if len(g) < n]
    if short:
        out[:, short] = word_counts(texts, [grams[i][1:-1] for i in short])
    full = [i for i, g in enumerate(grams) if len(g) == n]
    if not full or not texts:
        return out
    padded = [f"_{text.replace(' ', '_ _')}_" if text else "" for text in texts]
    starts = np.cumsum([0] + [len(p) + 1 for p in padded[:-1]])
    codes = _codes(" ".join(padded))
    if len(codes) < n:
        return out
    alphabet = np.unique(_codes("".join(grams[i] for i in full)))
    base = len(alphabet) + 1
    if n < 2 or float(base) ** n >= 2.0**62:  # too many distinct letters for int64 keys
        return _counted(texts, grams, n)
    weights = base ** np.arange(n - 1, -1, -1, dtype=np.int64)
    letters = _letters(codes, alphabet)
    place = {int(c): k for k, c in enumerate(alphabet, 1)}
    wanted_letters = np.array([[place[ord(c)] for c in grams[i]] for i in full], np.int64)
    # Only windows that start with the first two letters of a wanted gram are keyed.
    starting = np.zeros((base, base), bool)
    starting[wanted_letters[:, 0], wanted_letters[:, 1]] = True
    windows = len(letters) - n + 1
    spots = np.flatnonzero(starting[letters[:windows], letters[1 : windows + 1]])
    keys = sum(letters[spots + j] * weights[j] for j in range(n))
    wanted = wanted_letters @ weights
    order = np.argsort(wanted)  # the grams are distinct, so are their keys
    ordered = wanted[order]
    at = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    hit = ordered[at] == keys
    rows = np.searchsorted(starts, spots[hit], side="right") - 1
    flat = np.bincount(rows * len(full) + at[hit], minlength=len(texts) * len(full))
    out[:, np.asarray(full)[order]] = flat.reshape(len(texts), len(full))
    return out
