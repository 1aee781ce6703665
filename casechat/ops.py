"""What an operator's tools ask the chat: /healthz, /readyz, /metrics, and JSON logs.

- GET /healthz: 200 while the process serves requests.
- GET /readyz: 200 with the index of the moment (name, documents, passages),
  the model and the library's build state (idle, queued, reading, embedding,
  swapping); 503 when the index cannot be opened. A build does not make the
  chat unready: it answers from the current index meanwhile.
- GET /metrics: Prometheus text (casechat/metrics.py).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from base.settings import ServerSettings
from casechat.live_index import SearcherSource
from casechat.metrics import DOCUMENTS, LOG_QUESTIONS, PASSAGES, REGISTRY

log = logging.getLogger("casechat.ops")


def _index_facts(source: SearcherSource) -> dict:
    searcher = source.current()
    passages = len(searcher.snapshot.chunks)
    documents = len(searcher.documents())
    PASSAGES.set(passages)
    DOCUMENTS.set(documents)
    embedder = getattr(searcher, "embedder", None)
    return {
        "index": searcher.name,
        "documents": documents,
        "passages": passages,
        "model": str(getattr(embedder, "name", None) or type(embedder).__name__),
    }


def ops_routes(source: SearcherSource, build_state: Callable[[], object] | None) -> list[Route]:
    """The three routes over the chat's searcher source and its builder's state."""

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    def readyz(request: Request) -> JSONResponse:
        state = build_state() if build_state else None
        build = {
            "phase": getattr(state, "phase", "idle"),
            "done": getattr(state, "done", 0),
            "total": getattr(state, "total", 0),
            "error": getattr(state, "error", ""),
        }
        try:
            facts = _index_facts(source)
        except Exception:  # a missing or damaged index: not ready (details in the log)
            log.exception("readyz: indekset kan ikke åbnes")
            return JSONResponse({"ready": False, "build": build}, status_code=503)
        return JSONResponse({"ready": True, **facts, "build": build})

    def metrics(request: Request) -> Response:
        try:
            _index_facts(source)
        except Exception:
            log.warning("metrics: indekset kan ikke åbnes")
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **(getattr(record, "fields", None) or {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _Stderr(logging.StreamHandler):
    """A handler that writes to the stderr of the moment (not the one when it was made)."""

    @property
    def stream(self):  # noqa: ANN201 - logging's own attribute
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(server: ServerSettings) -> None:
    """Log casechat's lines to stderr: JSON when asked (CASECHAT_JSON_LOGS), else text."""
    LOG_QUESTIONS["on"] = server.log_questions
    logger = logging.getLogger("casechat")
    handler = _Stderr()
    if server.json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    # One line per answer: not again through a handler a library put on the root logger.
    logger.propagate = False
