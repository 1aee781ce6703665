"""The HTTP API beside the chat: search, the document list and feedback, as JSON.

A FastAPI app mounted at `/api` on the chat's own server (casechat/server.py),
documented by its OpenAPI page at `/api/docs` (Swagger UI served from the
machine itself, no CDN; the schema is `/api/openapi.json`). It reads the same
live index as the chat, with the same access (no login). Bad input gets HTTP
422 and `{"fejl": "<Danish message>"}`; a missing or damaged index 503; anything
unexpected 500 with a generic message, its traceback logged server-side only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from base.errors import BusyError, CasechatError, QueryError
from casechat import __version__
from casechat.answer import GENERIC_ERROR, MAX_K
from casechat.feedback import FeedbackLog
from casechat.live_index import SearcherSource
from casechat.lookup import DEFAULT_K, check_k, document_rows, search_payload
from casechat.metrics import BUSY, answered
from casechat.pool import FULL, PAUSE, RETRY_AFTER, SHARED, SearchPool

log = logging.getLogger("casechat.api")

EXAMPLE = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
DESCRIPTION = (
    "Søg i casene fra chatten. Svaret er citerede passager med kildehenvisning; "
    "der skrives ingen tekst. Rækkerne i `results` har samme felter som "
    '`casechat search --json`. Fejl gives som `{"fejl": "..."}` på dansk.'
)


class SearchRequest(BaseModel):
    """A question and its filters (the body of POST /api/search)."""

    question: str = Field(description="Spørgsmålet, højst 1000 tegn.", examples=[EXAMPLE])
    k: int = Field(DEFAULT_K, description=f"Antal passager, 1–{MAX_K}.")
    municipalities: list[str] = Field(default_factory=list, description="Kun disse kommuner.")
    documents: list[str] = Field(default_factory=list, description="Kun disse kildefiler.")


class FeedbackRequest(BaseModel):
    """A 👍 or 👎 on one passage (the body of POST /api/feedback)."""

    chunk_id: int | None = Field(None, description="Passagens id (`chunk_id` i et resultat).")
    passage: str | None = Field(
        None, max_length=20_000, description="Passagens tekst, hvis id'et ikke kendes."
    )
    question: str = Field(description="Spørgsmålet, passagen blev vist for.")
    vote: Literal["up", "down"] = Field(description="»up« (👍) eller »down« (👎).")


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"fejl": message}, status_code=status)


def busy(message: str) -> JSONResponse:
    answer = error(429, message)
    answer.headers["Retry-After"] = str(RETRY_AFTER)
    return answer


async def _searched(pool: SearchPool, search: Callable[[], dict]) -> Any:
    """The search in a thread, or 429 after PAUSE seconds when the pool's queue is full."""
    if not pool.admit():
        BUSY.inc()
        pool.refused += 1  # while refusals pause, every search is paced (see pool.admit)
        try:
            await asyncio.sleep(PAUSE)
        finally:
            pool.refused -= 1
        return busy(FULL.format(s=RETRY_AFTER))
    return await run_in_threadpool(_guarded, _pooled(pool, search))


def _guarded(call: Callable[[], Any]) -> Any:
    """The call's result, or a JSON error: 422 bad input, 503 index problems, 500 else."""
    try:
        return call()
    except BusyError as exc:
        return busy(str(exc))
    except QueryError as exc:
        return error(422, str(exc))
    except CasechatError as exc:
        log.warning("API: %s", exc)
        return error(503, str(exc))
    except Exception:
        log.exception("Uventet fejl i API'et")
        return error(500, GENERIC_ERROR)


def _validation_message(exc: RequestValidationError) -> str:
    """One Danish sentence for the first problem pydantic found."""
    problem = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query")]
    field = loc[0] if loc else ""
    if field == "k":
        return f"k skal være et heltal fra 1 til {MAX_K}."
    if field == "chunk_id":
        return "chunk_id skal være et heltal (passagens id)."
    if field == "vote":
        return "vote skal være »up« (👍) eller »down« (👎)."
    if not field or field.isdigit() or problem.get("type") == "json_invalid":
        return 'Forespørgslen skal være et JSON-objekt, fx {"question": "..."}.'
    if problem.get("type") == "missing":
        return f"Feltet »{field}« mangler."
    return f"Feltet »{field}« har en ugyldig værdi."


def _pooled(pool: SearchPool, search: Callable[[], dict]) -> Callable[[], dict]:
    """The search, run in a place of the shared pool, counted and timed for /metrics."""

    def run() -> dict:
        with pool.api():
            started = time.perf_counter()
            payload = search()
        answered("api", payload.get("verdict", "?"), time.perf_counter() - started)
        return payload

    return run


def create_api(
    source: SearcherSource, feedback: FeedbackLog, pool: SearchPool | None = None
) -> FastAPI:
    """The API over the index of the moment (`source.current()` per request); its searches
    share `pool` with MCP (a full pool: 429)."""
    pool = pool or SHARED
    api = FastAPIOffline(
        title="casechat API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, _validation_message(exc))

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error(404, "Ukendt adresse. Se /api/docs for API'ets adresser.")
        if exc.status_code == 405:
            return error(405, f"Metoden {request.method} understøttes ikke her.")
        return error(exc.status_code, "Forespørgslen kan ikke besvares.")

    @api.post("/search", summary="Søg i casene (JSON-krop)")
    async def search_post(body: SearchRequest) -> Any:
        """Search with a question and optional filters; see GET /search for the answer."""
        return await _searched(
            pool,
            lambda: search_payload(
                source, body.question, body.k, body.municipalities, body.documents
            ),
        )

    @api.get("/search", summary="Søg i casene (parametre i adressen)")
    async def search_get(
        question: str = Query("", description="Spørgsmålet, højst 1000 tegn."),
        k: str = Query(str(DEFAULT_K), description=f"Antal passager, 1–{MAX_K}."),
        municipalities: list[str] = Query([], description="Kommune; gentag for flere."),
        documents: list[str] = Query([], description="Kildefil; gentag for flere."),
    ) -> Any:
        """`{"verdict": "answer"|"nearest"|"none", "short_answer": [{"rank","text",
        "chunk_id"}], "notice": "...", "results": [rows of `casechat search --json`],
        "searched": "<the question as searched>"}`."""
        return await _searched(
            pool,
            lambda: search_payload(source, question, check_k(k), municipalities, documents),
        )

    @api.get("/documents", summary="Dokumenterne i indekset")
    def documents() -> Any:
        """Every indexed document: source, title, municipalities, date, format, page_count
        and the number of passages."""
        return _guarded(lambda: document_rows(source.current()))

    @api.post("/feedback", summary="👍/👎 på en passage")
    def vote(body: FeedbackRequest) -> Any:
        """Store a vote locally (no personal data); `casechat feedback` lists them."""

        def store() -> dict:
            entry = feedback.record(
                source.current(), body.question, body.chunk_id, body.vote, body.passage
            )
            return {"ok": True, "vote": entry.vote, "chunk_id": entry.chunk_id}

        return _guarded(store)

    return api
