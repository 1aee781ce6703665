"""The encoder interface every runtime implements: documents and queries separately.

Every embedder returns L2-normalized float32 rows, so the inner product FAISS
computes *is* the cosine similarity: cos(a, b) = a·b / (|a||b|), and |a| = |b| = 1.
That is why the index uses exact inner product and no separate cosine metric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

Progress = Callable[[int, int], None]  # (texts done, texts in all)
Say = Callable[[str], None]  # one line of progress for a person

#: e5 models need these prefixes; a model folder may declare its own prompts instead.
E5_PROMPTS = {"query": "query: ", "document": "passage: "}


class Embedder(Protocol):
    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """(n, dim) float32 unit vectors for passages."""
        ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors for questions."""
        ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32); an all-zero row stays zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def backend_of(embedder: Embedder) -> str:
    """The embedder's backend as recorded in the manifest ("" for test fakes)."""
    return str(getattr(embedder, "backend", ""))
