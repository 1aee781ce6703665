"""Answering one chat question: follow-ups, search, HTML, and errors turned into messages.

The web chat and its API both call `Responder.answer`; it never raises. A
CasechatError becomes its own Danish message; anything else is logged here
(with its traceback, server-side only) and shown as a short generic message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from answer.search import Hit, Searcher, SearchResult
from base.errors import CasechatError
from casechat.answer_link import answer_link
from casechat.cards import render_answer
from casechat.chat_view import render_footer, render_message
from casechat.followup import resolve
from casechat.html_text import question_terms
from casechat.live_index import FixedIndex, SearcherSource
from casechat.metrics import answered
from casechat.pool import SHARED
from casechat.wording import NO_PASSAGES, cut_notice, reason_notice

log = logging.getLogger("casechat.chat")

DEFAULT_K = 3
MAX_K = 10
NO_PASSAGES_HINT = (
    "Prøv at formulere spørgsmålet anderledes, fx med andre ord eller navnet på en kommune, "
    "eller fjern filtrene."
)
GENERIC_ERROR = "Der skete en fejl under søgningen. Prøv igen om et øjeblik."
GENERIC_HINT = "Bliver fejlen ved, så genstart chatten (`casechat chat`)."


@dataclass
class Answer:
    """The rendered answer and what it was built from."""

    html: str
    searched: str = ""
    hits: list[Hit] = field(default_factory=list)
    seconds: float = 0.0
    error: bool = False
    #: The search's own stage times (dense_ms, lexical_ms, fuse_ms, quote_ms, total_ms).
    timings: dict[str, float] = field(default_factory=dict)
    #: The search behind the answer (verdict, short answer, evidence); None after an error.
    result: SearchResult | None = None


def _clamp_k(k: object) -> int:
    try:
        return max(1, min(MAX_K, int(k)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_K


class Responder:
    """Answers questions from the index of the moment; shared by every chat session.

    `source` gives the searcher per question (a LiveIndex follows rebuilds);
    a plain Searcher is wrapped so it never changes.
    """

    def __init__(self, source: SearcherSource | Searcher) -> None:
        self.source = FixedIndex(source) if isinstance(source, Searcher) else source
        self.municipalities, self.documents = self.filters()

    def filters(self) -> tuple[list[str], dict[str, str]]:
        """The filter lists of the index of the moment: municipalities, and source file ->
        title sorted by title (read at start; call again after the library changed)."""
        searcher = self.source.current()
        docs = searcher.documents()
        titles = dict(sorted(((d.source, d.meta.title) for d in docs), key=_by_title))
        return searcher.municipalities(), titles

    def answer(
        self,
        question: str,
        k: object = DEFAULT_K,
        municipalities: Iterable[str] | None = None,
        documents: Iterable[str] | None = None,
        previous: str | None = None,
    ) -> Answer:
        """Search the index for `question` (or the follow-up it makes with `previous`)."""
        started = time.perf_counter()
        try:
            with SHARED.chat():  # API searches wait while a person's question runs
                answer = self._answer(
                    question or "", _clamp_k(k), municipalities, documents, previous
                )
        except CasechatError as exc:
            answer = Answer(render_message(str(exc)), error=True)
        except Exception:
            log.exception("Uventet fejl under søgning")
            answer = Answer(render_message(GENERIC_ERROR, GENERIC_HINT, kind="error"), error=True)
        seconds = time.perf_counter() - started
        stages = ", ".join(f"{name} {ms:.0f}" for name, ms in answer.timings.items())
        log.info("Svar på %.0f ms (%s)", seconds * 1e3, stages or "-")
        verdict = answer.result.verdict if answer.result else "error" if answer.error else "none"
        answered("chat", verdict, seconds, question or "")
        return answer

    def _answer(
        self,
        question: str,
        k: int,
        municipalities: Iterable[str] | None,
        documents: Iterable[str] | None,
        previous: str | None,
    ) -> Answer:
        started = time.perf_counter()
        resolved = resolve(question, previous, self.municipalities)
        munis = set(municipalities or ())
        sources = set(documents or ())
        searcher = self.source.current()
        result = searcher.search(
            resolved.question, k=k, sources=sources or None, municipalities=munis or None
        )
        seconds = time.perf_counter() - started
        filters = sorted(munis) + [self.documents.get(s, s) for s in sorted(sources)]
        notes = [cut_notice(result)] if result.cut else []
        if resolved.followup:
            notes.append("Opfattet som et opfølgende spørgsmål til det forrige.")
        link = answer_link(result.query, munis, sources, k)  # as searched: no lone surrogates
        footer = render_footer(result.query, filters, seconds, " ".join(notes), link)
        if result.abstained or not result.hits:
            html = render_message(NO_PASSAGES, NO_PASSAGES_HINT, footer=footer)
            return Answer(html, result.query, [], seconds, timings=result.timings_ms, result=result)
        html = render_answer(
            result.hits,
            question_terms(result.query),
            searcher.fusion,
            footer,
            short=result.short_answer,
            note=reason_notice(result),
        )
        return Answer(
            html, result.query, list(result.hits), seconds, timings=result.timings_ms, result=result
        )


def _by_title(item: tuple[str, str]) -> str:
    return item[1].casefold()
