"""»Find lignende passager«: the passages nearest to one passage, from other documents.

The search is by the passage's own stored vector (the index's exact inner-product
index, so cosine similarity of unit vectors), not by its words; passages of its
own document are left out, so the turn shows how other cases handle the same.
The chat's document and municipality filters apply as for a question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from answer.search import Hit, Searcher
from base.errors import QueryError
from casechat.answer import DEFAULT_K, MAX_K, Answer
from casechat.cards import card_title, render_card
from casechat.chat_view import render_footer, render_message, render_question
from casechat.export import Turn, citations_of
from casechat.html_text import escape
from casechat.live_index import SearcherSource
from ingest.document import Chunk

log = logging.getLogger("casechat.chat")


@dataclass(frozen=True)
class Similar:
    """The passage searched from and the passages found, best first."""

    origin: Chunk
    hits: list[Hit]


def similar_passages(
    searcher: Searcher,
    chunk_id: object,
    k: int,
    municipalities: Iterable[str] | None = None,
    documents: Iterable[str] | None = None,
) -> Similar:
    """The k passages nearest to passage `chunk_id`, none from its own document."""
    try:
        origin = searcher.chunk(int(str(chunk_id)))
    except ValueError:
        origin = None
    if origin is None:
        raise QueryError(
            "Passagen findes ikke længere i indekset (det er bygget om). Stil spørgsmålet igen."
        )
    snapshot = searcher.snapshot
    vec = np.asarray(snapshot.vector(origin.chunk_id), np.float32).reshape(1, -1)
    scores, ids = snapshot.vectors.search(vec, snapshot.vectors.ntotal)
    munis, sources = set(municipalities or ()), set(documents or ())
    hits: list[Hit] = []
    for cid, score in zip(ids[0], scores[0], strict=True):
        chunk = snapshot.chunks.get(int(cid))
        if chunk is None or chunk.source == origin.source:
            continue
        if (sources and chunk.source not in sources) or (
            munis and not munis.intersection(chunk.municipalities)
        ):
            continue
        document = snapshot.documents[chunk.source]
        hits.append(Hit(chunk, document, float(score), len(hits) + 1, dense=float(score)))
        if len(hits) >= k:
            break
    return Similar(origin, hits)


def similar_answer(
    source: SearcherSource,
    chunk_id: object,
    k: object = DEFAULT_K,
    municipalities: Iterable[str] | None = None,
    documents: Iterable[str] | None = None,
) -> tuple[str, Answer]:
    """The chat turn for »Find lignende passager«: the person's line and the answer (never
    raises: a stale passage id becomes a Danish message)."""
    started = time.perf_counter()
    searcher = source.current()
    try:
        found = similar_passages(searcher, chunk_id, _count(k), municipalities, documents)
    except QueryError as exc:
        return "Find lignende passager", Answer(render_message(str(exc)), error=True)
    seconds = time.perf_counter() - started
    title = card_title(found.origin, searcher.snapshot.documents[found.origin.source])
    asked = f"Find lignende passager: {title}"
    filters = sorted(municipalities or ()) + sorted(documents or ())
    footer = render_footer(f"passagens betydning ({title})", filters, seconds)
    log.info("Lignende passager på %.0f ms (%d fundet)", seconds * 1e3, len(found.hits))
    if not found.hits:
        text = "Ingen passager i andre dokumenter ligner denne (med de valgte filtre)."
        return asked, Answer(render_message(text, footer=footer), seconds=seconds)
    cards = "".join(render_card(h, n, frozenset(), None) for n, h in enumerate(found.hits, start=1))
    html = (
        '<div class="cc-answer"><p class="cc-lead">'
        f"Passager fra andre dokumenter, der ligner »{escape(title)}« mest i betydning:</p>"
        f"{cards}{footer}</div>"
    )
    return asked, Answer(html, hits=found.hits, seconds=seconds)


def similar_turn(
    source: SearcherSource,
    chunk_id: object,
    history: list | None,
    k: object = DEFAULT_K,
    municipalities: Iterable[str] | None = None,
    documents: Iterable[str] | None = None,
) -> tuple[list, Answer, Turn]:
    """The chat's history with the »Find lignende passager« turn added, its answer, and the
    turn as »Eksportér« keeps it (casechat/export.py)."""
    asked, answer = similar_answer(source, chunk_id, k, municipalities, documents)
    turn = [
        {"role": "user", "content": render_question(asked)},
        {"role": "assistant", "content": answer.html},
    ]
    notice = "Passager fra andre dokumenter, der ligner passagen mest i betydning."
    kept = Turn(asked, notice=notice, citations=citations_of(answer.hits))
    return [*(history or []), *turn], answer, kept


def _count(k: object) -> int:
    try:
        return max(1, min(MAX_K, int(str(k))))
    except ValueError:
        return DEFAULT_K
