"""Open what a command needs: the configured embedder and the live index."""

from __future__ import annotations

from base.settings import Settings
from index.embed import Embedder, load_embedder
from index.search import Searcher
from index.store import load_snapshot


def open_searcher(settings: Settings, embedder: Embedder | None = None) -> Searcher:
    """Load the live index (refusing a mismatched one) and the model it was built with."""
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    return Searcher(snapshot, embedder or load_embedder(settings.model))
