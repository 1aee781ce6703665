"""The question set: one JSON object per line, with verbatim answer snippets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from base.errors import CasechatError


@dataclass(frozen=True)
class Question:
    """One line of the question file; extra fields are kept only as `kind`.

    A question is judged by its `answers` (verbatim snippets: a passage that
    contains one is relevant) or, as IR test collections do, by `relevant_docs`
    (source file names as `search --json` gives them: every passage of those
    documents is relevant). Snippets win where a question has both.
    """

    id: str
    question: str
    answers: tuple[str, ...] = ()
    unanswerable: bool = False
    kind: str = ""
    relevant_docs: tuple[str, ...] = ()
    #: "dev" (choices may look at it), "test" (frozen: reported, never tuned on) or "".
    split: str = ""


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question file; refuse lines that are not questions."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CasechatError(
            f"Spørgsmålsfilen {path} kan ikke læses ({exc.strerror or exc}). "
            "Angiv en JSONL-fil med --questions."
        ) from exc
    questions, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            q = Question(
                id=str(rec["id"]),
                question=str(rec["question"]),
                answers=tuple(str(a) for a in rec.get("answers") or ()),
                unanswerable=bool(rec.get("unanswerable", False)),
                kind=str(rec.get("kind") or ""),
                relevant_docs=tuple(str(d) for d in rec.get("relevant_docs") or ()),
                split=str(rec.get("split") or ""),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise CasechatError(
                f"Linje {number} i {path} er ikke et gyldigt spørgsmål ({exc}). "
                'Hver linje skal være et JSON-objekt med mindst "id" og "question".'
            ) from exc
        if q.id in seen:
            raise CasechatError(
                f"Id'et {q.id} står to gange i {path}. Giv hvert spørgsmål sit eget id."
            )
        seen.add(q.id)
        questions.append(q)
    if not questions:
        raise CasechatError(f"{path} indeholder ingen spørgsmål.")
    return questions
