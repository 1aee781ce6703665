"""Embedders for the sweeps: a text -> vector cache on disk, and one without the header.

Every sweep builds real indexes with `answer.build.build_index`; the cache makes
each passage and question text cost one embedding, across variants and runs.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from base.errors import CasechatError
from base.settings import DEFAULT_MODEL, selected_backend
from index.encoder import Embedder, Progress, backend_of, load_embedder

#: Bump when the file's layout changes; a file of another layout is ignored and replaced.
CACHE_VERSION = 3


class CachedEmbedder:
    """An embedder behind a persistent text -> vector cache: each text is embedded once.

    Passages and questions are cached apart (e5 prefixes them differently). The
    model is loaded only when a text is missing, so a second run loads none.
    """

    def __init__(
        self,
        path: Path,
        model: str = DEFAULT_MODEL,
        backend: str | None = None,
        load: Callable[[], Embedder] | None = None,
    ) -> None:
        self.path = path
        self.name = model
        self.backend = selected_backend() if backend is None else backend
        self._load = load or (lambda: load_embedder(model))
        self._inner: Embedder | None = None
        self._dim: int | None = None
        self._documents: dict[str, np.ndarray] = {}
        self._queries: dict[str, np.ndarray] = {}
        self._read()

    def _read(self) -> None:
        try:
            data = pickle.loads(self.path.read_bytes())
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return  # no cache yet, or an unreadable one: start afresh
        wanted = {"version": CACHE_VERSION, "model": self.name, "backend": self.backend}
        if not isinstance(data, dict) or any(data.get(k) != v for k, v in wanted.items()):
            return  # another layout (an older sweep), model or backend
        self._dim = data["dim"]
        self._documents, self._queries = data["documents"], data["queries"]

    def _save(self) -> None:
        data = {
            "version": CACHE_VERSION,
            "model": self.name,
            "backend": self.backend,
            "dim": self.dim,
            "documents": self._documents,
            "queries": self._queries,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(pickle.dumps(data))
        os.replace(tmp, self.path)  # a sweep stopped mid-write leaves the old cache

    @property
    def inner(self) -> Embedder:
        """The real embedder, loaded on first need."""
        if self._inner is None:
            self._inner = self._load()
            if backend_of(self._inner) != self.backend:
                raise CasechatError(
                    f"Modellen kører på '{backend_of(self._inner)}', cachen er til "
                    f"'{self.backend}'. Sæt CASECHAT_EMBED_BACKEND til den samme."
                )
        return self._inner

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = self.inner.dim
        return self._dim

    def _cached(
        self,
        store: dict[str, np.ndarray],
        texts: Sequence[str],
        embed: Callable[[list[str]], np.ndarray],
    ) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in store]
        if todo:
            store.update(zip(todo, np.asarray(embed(todo), np.float32), strict=True))
            self._save()
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([store[t] for t in texts])

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self._cached(
            self._documents, texts, lambda todo: self.inner.embed_documents(todo, progress)
        )

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        # One question per call, as the searcher asks: the vectors are the search's own.
        return self._cached(
            self._queries,
            texts,
            lambda todo: np.stack([self.inner.embed_queries([t])[0] for t in todo]),
        )


class WithoutHeader:
    """Embeds passages without their contextual header (title, section, municipality).

    A build hands over `Chunk.embed_text()`: the header lines, a blank line, the
    passage; this embeds only the passage. Questions pass through unchanged.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.backend = backend_of(inner)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self.inner.embed_documents([t.split("\n\n", 1)[-1] for t in texts], progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)
