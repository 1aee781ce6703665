"""The original files behind the citations, served read-only by document id.

A card's source links to `/dokument/<id>` (casechat/html_text.py `document_id`:
a hash of the document's source name), opened in the browser, a PDF at the
passage's page (`#page=12`, read by the browser's PDF viewer). The id is looked
up among the indexed documents of the live index: no path is ever taken from
the request, and the file must lie inside the corpus folder (links out of it
are refused). PDFs and plain text are shown in the browser; HTML is sent as
plain text and Word as a download, so nothing in a document runs in the chat's
origin.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from casechat.html_text import document_id
from casechat.live_index import SearcherSource

log = logging.getLogger("casechat.originals")

PATH = "/dokument/{doc_id}"
_TYPES = {
    "pdf": ("application/pdf", "inline"),
    "txt": ("text/plain; charset=utf-8", "inline"),
    "md": ("text/plain; charset=utf-8", "inline"),
    "html": ("text/plain; charset=utf-8", "inline"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "attachment",
    ),
}
_MISSING = "Dokumentet findes ikke (længere) i casesamlingen."


def original_route(source: SearcherSource, corpus_dir: Path) -> Route:
    """The route that serves originals of the live index's documents from `corpus_dir`."""
    root = corpus_dir.resolve()

    async def serve(request: Request) -> Response:
        wanted = request.path_params["doc_id"]
        documents = source.current().documents()
        document = next((d for d in documents if document_id(d.source) == wanted), None)
        if document is None:
            return JSONResponse({"fejl": _MISSING}, status_code=404)
        path = (root / document.source).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            log.warning("Originalen til %s ligger ikke i korpusmappen", document.source)
            return JSONResponse({"fejl": _MISSING}, status_code=404)
        media, disposition = _TYPES.get(document.format, ("application/octet-stream", "attachment"))
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        if document.format != "pdf":
            headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return FileResponse(
            path,
            media_type=media,
            headers=headers,
            filename=Path(document.source).name,
            content_disposition_type=disposition,
        )

    return Route(PATH, serve, methods=["GET"])
