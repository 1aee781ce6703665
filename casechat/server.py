"""What the chat's server serves beside the chat: the HTTP API at /api, MCP at /mcp and
the original documents at /dokument/<id> (casechat/originals.py).

Gradio creates its FastAPI app inside `launch`, so the routes are added by a
lifespan handler passed to it (`launch(app_kwargs=...)`): it runs once the app
exists and before the first request, puts `/api` and `/mcp` in front of
Gradio's own routes, and keeps the MCP session manager running as long as the
server does. `chat_app.serve()` and `launch()` are otherwise unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi import FastAPI
from starlette.routing import Mount

from base.settings import ServerSettings, Settings
from casechat.api import create_api
from casechat.editor_routes import editor_routes
from casechat.feedback import FeedbackLog
from casechat.library.sessions import sessions_for
from casechat.live_index import SearcherSource
from casechat.mcp_server import build_mcp
from casechat.ops import ops_routes
from casechat.originals import original_route
from casechat.pool import SHARED
from casechat.security import Guard

log = logging.getLogger("casechat.server")

API_PATH = "/api"
MCP_PATH = "/mcp"


@dataclass
class Extras:
    """The API and MCP server for one chat: the same searcher source as its Responder."""

    source: SearcherSource
    feedback: FeedbackLog
    mcp: bool = True
    #: Where the originals behind the citations are served from (/dokument/<id>).
    corpus_dir: Path = field(default_factory=lambda: Settings.from_env().corpus_dir)
    #: The library folder (editor sessions, uploads); None: a chat without the library.
    library: Path | None = None
    server: ServerSettings = field(default_factory=ServerSettings.from_env)
    #: The library builder's state, for /readyz (set by chat_app when there is a library).
    build_state: Callable[[], object] | None = None
    upload_limit: int = 100 * 1024 * 1024

    @classmethod
    def for_source(cls, source: SearcherSource) -> Extras:
        """Extras whose feedback file follows the source's settings (a LiveIndex), else the
        environment's, with the index folder the searcher was loaded from."""
        settings = getattr(source, "settings", None)
        if not isinstance(settings, Settings):
            index_dir = source.current().snapshot.path.parent
            settings = replace(Settings.from_env(), index_dir=index_dir)
        library = settings.library if getattr(source, "settings", None) is settings else None
        upload = settings.max_upload_bytes * settings.max_upload_files + 1024 * 1024
        return cls(
            source,
            FeedbackLog(settings.feedback_path),
            corpus_dir=settings.corpus_dir,
            library=library,
            upload_limit=upload,
        )

    def lifespan(self, host: str) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        """The handler that mounts /api and /mcp on Gradio's app when the server starts."""

        @asynccontextmanager
        async def mount(app: FastAPI) -> AsyncIterator[None]:
            pool = SHARED
            pool.queue, pool.rate = self.server.api_queue, float(self.server.api_rate)
            routes = [
                Mount(API_PATH, app=create_api(self.source, self.feedback, pool)),
                original_route(self.source, self.corpus_dir),
                *ops_routes(self.source, self.build_state),
            ]
            if self.library is not None:
                routes.extend(editor_routes(self.library))
            mcp_app = None
            if self.mcp:
                # Loopback hosts get the SDK's DNS-rebinding protection (Host/Origin checks).
                mcp_app = build_mcp(self.source).streamable_http_app(
                    streamable_http_path=MCP_PATH, host=host
                )
                routes.extend(mcp_app.routes)
            app.router.routes[:0] = routes  # before Gradio's routes: ours win on /api, /mcp
            # Outermost: hosts, origins, body sizes, uploads, headers (casechat/security.py).
            stack = app.middleware_stack or app.build_middleware_stack()
            sessions = sessions_for(self.library) if self.library is not None else None
            app.middleware_stack = Guard(stack, self.server, self.upload_limit, sessions)
            if mcp_app is None:
                yield
                return
            async with mcp_app.router.lifespan_context(mcp_app):
                yield

        return mount

    def app_kwargs(self, host: str) -> dict:
        """Keyword arguments for `gr.Blocks.launch(app_kwargs=...)`."""
        return {"lifespan": self.lifespan(host)}
