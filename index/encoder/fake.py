"""A deterministic test embedder: hashed bag of words, and a record of its inputs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from index.encoder.base import Progress, normalize


class HashingEmbedder:
    """Deterministic bag-of-words vectors, for tests and dry runs; records its inputs,
    so a test can assert what was embedded (and that nothing was embedded twice)."""

    def __init__(self, dim: int = 64, name: str = "hashing") -> None:
        self.name = name
        self.dim = dim
        self.documents_seen: list[str] = []
        self.queries_seen: list[str] = []

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
            vec[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        if not vec.any():
            vec[0] = 1.0
        return vec

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.documents_seen.extend(texts)
        out = normalize(np.stack([self._vector(t) for t in texts])) if texts else self._empty()
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries_seen.extend(texts)
        return normalize(np.stack([self._vector(t) for t in texts]))

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dim), dtype=np.float32)
