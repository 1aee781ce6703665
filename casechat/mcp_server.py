"""An MCP server, so an assistant (Claude Desktop, an IDE, …) can search the cases.

Two tools, described in Danish and English: `search_cases` (a question, k and
municipalities; the same JSON as `POST /api/search`) and `list_documents`.
Built on the official `mcp` SDK; served over stdio by `casechat mcp` and over
Streamable HTTP at `/mcp` on the chat's server (casechat/server.py). The
searches run in a worker thread, so the server's event loop never waits for one.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from base.errors import CasechatError
from base.settings import Settings
from casechat import __version__
from casechat.answer import MAX_K
from casechat.live_index import LiveIndex, SearcherSource
from casechat.lookup import DEFAULT_K, document_rows, search_payload
from casechat.pool import SHARED

INSTRUCTIONS = (
    "Søg i danske cases om, hvordan kommuner leder digital transformation. Svarene er "
    "ordrette passager med kildehenvisning (dokument, afsnit, kommune, dato, side); citér "
    "dem, og opfind intet ud over dem. / Search Danish case stories on how municipalities "
    "lead digital transformation; answers are verbatim passages with citations."
)
SEARCH_DESCRIPTION = (
    "Søg i casene og få de passager, der bedst besvarer spørgsmålet, med kildehenvisning. "
    f"Stil spørgsmålet på dansk (højst 1000 tegn); k er antal passager (1–{MAX_K}); "
    "municipalities begrænser til kommuner (navne som i list_documents). `verdict` siger, "
    "om passagerne svarer (answer), kun ligger nærmest (nearest) eller intet fandtes (none).\n"
    "English: search the cases for the passages that best answer a question (ask in Danish "
    "for best results), each with its citation: title, section, municipality, date, page "
    "and source file. `verdict` tells whether they answer, are only the nearest, or none."
)
DOCUMENTS_DESCRIPTION = (
    "Vis dokumenterne i indekset: kildefil, titel, kommuner, dato, format, sider og antal "
    "passager.\nEnglish: list the indexed documents (source, title, municipalities, date, "
    "format, page count, number of passages)."
)


def build_mcp(source: SearcherSource) -> MCPServer:
    """The MCP server over the index of the moment (`source.current()` per call)."""
    server = MCPServer(
        "casechat",
        title="casechat – søg i kommunale cases",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )

    async def search_cases(
        question: str, k: int = DEFAULT_K, municipalities: list[str] | None = None
    ) -> dict[str, Any]:
        def pooled() -> dict[str, Any]:  # the chat's search pool (casechat/pool.py)
            with SHARED.api():
                return search_payload(source, question, k, municipalities)

        try:
            return await anyio.to_thread.run_sync(pooled)
        except CasechatError as exc:
            raise ToolError(str(exc)) from exc

    async def list_documents() -> dict[str, Any]:
        try:
            rows = await anyio.to_thread.run_sync(lambda: document_rows(source.current()))
        except CasechatError as exc:
            raise ToolError(str(exc)) from exc
        return {"documents": rows}

    server.add_tool(
        search_cases, title="Søg i casene / Search the cases", description=SEARCH_DESCRIPTION
    )
    server.add_tool(
        list_documents,
        title="Dokumenter / Documents",
        description=DOCUMENTS_DESCRIPTION,
    )
    return server


def serve_stdio(settings: Settings) -> None:
    """Load the model and index, then speak MCP on stdin/stdout until the client leaves."""
    # stdout carries the protocol: whatever loading prints goes to stderr instead.
    with contextlib.redirect_stdout(sys.stderr):
        live = LiveIndex.open(settings)
    build_mcp(live).run("stdio")
