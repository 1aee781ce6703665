"""The kind of answer a question asks for, and whether the passages hold one.

A question that asks for a number, an amount or a time ("Hvor mange ledere
deltog?", "Hvad kostede forløbet?", "Hvornår startede det?") is only answered
by a sentence that contains one. When the best sentence of none of the best
passages does (answer/quote.py picks them), the
passages are about the right thing but may not answer this detail: the
decision makes them the *nearest* ones (answer/decision.py). This is the
expected-answer-type check of classic question answering, in Danish (also
typed without æøå) and English; questions that ask for a person or a reason are
not checked, since roles and explanations take too many forms.
"""

from __future__ import annotations

import re

NUMBER, MONEY, TIME = "number", "money", "time"

_ASKS = (
    (MONEY, r"\bhvad\s+(?:kost\w*|koster)\b|\bpris(?:en)?\b|\bpenge\b|\bkroner\b|\bbudget\w*"
     r"|\bhow\s+much\b.*\bcost|\bwhat\b.*\bcost|\bprice\b"),
    (NUMBER, r"\bhvor\s+(?:mange|meget|stor[et]?|lang[et]?|ofte)\b|\bantal(?:let)?\b"
     r"|\bhow\s+(?:many|much|long|often|big)\b"),
    (TIME, r"\bhvorn(?:år|aar|ar)\b|\bhvilket\s+år\b|\bhvilken\s+dato\b|\bwhat\s+year\b"
     r"|^\W*when\b|\bwhen\s+(?:did|was|were|is|will|does|do)\b"),
)  # fmt: skip
_NUMBER_WORDS = (
    r"to|tre|fire|fem|seks|syv|otte|ni|ti|elleve|tolv|tyve|tredive|fyrre|halvtreds|hundrede"
    r"|tusind\w*|dusin\w*|million\w*|milliard\w*|halvdel\w*|procent"
    r"|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred\w*|thousand\w*"
)
_HAS = {
    NUMBER: re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    MONEY: re.compile(
        r"\d[\d.,]*\s*(?:kr\b|kr\.|kroner|mio|mia|millioner|milliarder|euro|dkk|%)"
        r"|\bgratis\b|\bfree\b",
        re.IGNORECASE,
    ),
    TIME: re.compile(
        r"\b(?:19|20)\d\d\b|\b\d{1,2}\.\s*(?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)"
        r"|\b(?:januar|februar|marts|april|maj|juni|juli|august|september|oktober|november"
        r"|december|forår\w*|sommer\w*|efterår\w*|vinter\w*)\b",
        re.IGNORECASE,
    ),
}


def expected_type(question: str) -> str | None:
    """NUMBER, MONEY or TIME if the question asks for one, else None."""
    text = question.lower()
    for kind, pattern in _ASKS:
        if re.search(pattern, text):
            return kind
    return None


def holds(text: str, kind: str) -> bool:
    """Whether `text` contains an answer of this kind."""
    return bool(_HAS[kind].search(text))
