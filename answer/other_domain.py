"""Sentences of other domains (Debian's manual pages, Danish and English), vendored in
answer/data/ by tools/collections/other_domain.py with their licence files.

They stand for text that a library does not answer: the build makes negative
questions of them for the answer model (answer/training.py) and measures the
cosines of questions far from the corpus with them (answer/calibrate.py). No
evaluation question is among them or was used to pick them.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
LANGUAGES = ("da", "en")


@cache
def sentences(lang: str) -> tuple[str, ...]:
    """Every vendored sentence of one language ("da" or "en")."""
    lines = (DATA / f"other_{lang}.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip())


def sample(lang: str, n: int, seed: int) -> list[str]:
    """A seeded sample of `n` sentences of one language (all if fewer)."""
    found = list(sentences(lang))
    return random.Random(seed).sample(found, min(n, len(found)))
