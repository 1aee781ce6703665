"""Feedback on cited passages (👍/👎), kept locally as JSON lines, and candidate questions.

A vote records the question, the passage's id, its document's source and
sha256, the vote, the time (UTC) and the passage's best sentence for that
question (so the record still means something after the index changed). No
person, address or session is stored. `candidates` turns 👍 votes into
evaluation questions in the format of eval/questions.jsonl, for a person to
review before they join the question set.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from answer.quote import SentenceScorer, sentence_spans
from answer.search import Searcher
from base.errors import QueryError
from casechat.lookup import check_question
from ingest.document import Chunk

log = logging.getLogger("casechat.feedback")

UP, DOWN = "up", "down"
VOTES = (UP, DOWN)


@dataclass(frozen=True)
class Vote:
    """One 👍 or 👎 on one passage for one question."""

    question: str
    chunk_id: int
    source: str
    sha256: str
    vote: str
    time: str
    best_sentence: str = ""


def best_sentence(searcher: Searcher, question: str, text: str) -> str:
    """The passage's sentence that best answers `question` (as the card marks it)."""
    snapshot = searcher.snapshot
    scorer = SentenceScorer(question, snapshot.lexical.doc_freq, len(snapshot.chunks))
    sentences = [text[start:end] for start, end in sentence_spans(text)]
    return max(sentences, key=scorer.score, default=text.strip())


def _collapse(text: str) -> str:
    return " ".join(text.split())


def find_chunk(searcher: Searcher, chunk_id: object, passage: str | None) -> Chunk | None:
    """The passage with this id, else the one whose text is `passage` (whitespace collapsed:
    the chat's HTML sanitizer drops the cards' data-chunk, so the page sends the text)."""
    if chunk_id is not None:
        if isinstance(chunk_id, bool) or not isinstance(chunk_id, int):
            raise QueryError("chunk_id skal være et heltal (passagens id).")
        return searcher.chunk(chunk_id)
    if not passage or not passage.strip():
        raise QueryError("Angiv passagen: chunk_id eller passagens tekst (passage).")
    wanted = _collapse(passage)
    return next((c for c in searcher.snapshot.chunks.values() if _collapse(c.text) == wanted), None)


class FeedbackLog:
    """Append-only JSON lines file of votes; safe to share across the server's threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(
        self,
        searcher: Searcher,
        question: object,
        chunk_id: object,
        vote: object,
        passage: str | None = None,
    ) -> Vote:
        """Check and store one vote on a passage of the index of the moment, named by its
        id or, where the page has no id, by its text."""
        text = check_question(question)
        if vote not in VOTES:
            raise QueryError("vote skal være »up« (👍) eller »down« (👎).")
        chunk = find_chunk(searcher, chunk_id, passage)
        document = searcher.document(chunk.source) if chunk else None
        if chunk is None or document is None:
            raise QueryError(
                "Passagen findes ikke i indekset (er det bygget om?). Stil spørgsmålet "
                "igen, og giv så din vurdering."
            )
        entry = Vote(
            question=text,
            chunk_id=chunk.chunk_id,
            source=chunk.source,
            sha256=document.sha256,
            vote=str(vote),
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            best_sentence=best_sentence(searcher, text, chunk.text),
        )
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line)
        return entry

    def votes(self) -> list[Vote]:
        """Every stored vote, oldest first; damaged lines are skipped (and logged)."""
        if not self.path.is_file():
            return []
        found = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                found.append(Vote(**json.loads(line)))
            except (ValueError, TypeError) as exc:
                log.warning("Linje %d i %s springes over: %s", number, self.path, exc)
        return found


def latest(votes: list[Vote]) -> list[Vote]:
    """The last vote per (question, passage): a person may change their mind."""
    last: dict[tuple[str, int], Vote] = {}
    for vote in votes:
        last[(vote.question, vote.chunk_id)] = vote
    return list(last.values())


def candidates(votes: list[Vote]) -> list[dict]:
    """Candidate evaluation questions from 👍 votes: one per question, the best sentences of
    its liked passages as answers (the eval/questions.jsonl format, kind "feedback")."""
    by_question: dict[str, list[Vote]] = {}
    for vote in latest(votes):
        if vote.vote == UP and vote.best_sentence:
            by_question.setdefault(vote.question, []).append(vote)
    rows = []
    for question, liked in by_question.items():
        digest = hashlib.sha256(question.encode("utf-8")).hexdigest()[:10]
        rows.append(
            {
                "id": f"feedback-{digest}",
                "question": question,
                "answers": list(dict.fromkeys(v.best_sentence for v in liked)),
                "unanswerable": False,
                "doc": liked[0].source,
                "kind": "feedback",
            }
        )
    return rows


def write_candidates(votes: list[Vote], path: Path) -> int:
    """Write the candidate questions as JSON lines to `path`; how many."""
    rows = candidates(votes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return len(rows)
