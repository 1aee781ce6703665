"""A chat server with its API and MCP endpoint, over a copy of the fake-embedder build."""

from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass, replace
from pathlib import Path

import chat_app
from base.settings import Settings
from casechat.live_index import LiveIndex
from index.encoder import HashingEmbedder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Served:
    url: str  # ends with "/"
    settings: Settings
    live: LiveIndex
    demo: chat_app.gr.Blocks

    def close(self) -> None:
        self.demo.close()


def serve_copy(template: Settings, root: Path) -> Served:
    """Copy the template's corpus and index to `root`, then serve the chat on a free port."""
    shutil.copytree(template.corpus_dir, root / "corpus")
    shutil.copytree(template.index_dir, root / "index")
    settings = replace(
        template,
        corpus_dir=root / "corpus",
        index_dir=root / "index",
        feedback_file=root / "feedback.jsonl",
    )
    live = LiveIndex.open(settings, HashingEmbedder())
    demo = chat_app.build_app(live)
    return Served(chat_app.serve(demo, port=free_port(), block=False), settings, live, demo)
