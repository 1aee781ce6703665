"""Embedders the benchmark wraps around the real one: synthetic vectors, and timing.

Embedding 100k chunks with the real model would take hours on 2 cores, so most
vectors are *synthetic*: the normalized mean of the real vectors of the sentences a
chunk contains, plus a little noise. Texts embedded for real beforehand (the first
generated chunks) keep their real vectors. The benchmark reports how close synthetic
vectors come to real ones.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import numpy as np

from index.encoder import Embedder, Progress, backend_of
from tools.bench.corpus import split_sentences


class SyntheticEmbedder:
    """Vectors for benchmark corpora: real where known, else built from sentence vectors.

    Looks like ``real`` to the index (same name, backend and dimension), so a later
    incremental build with the real embedder extends the index. Questions are always
    embedded by the real model. Counts what it synthesized.
    """

    def __init__(
        self,
        real: Embedder,
        sentence_vectors: dict[str, np.ndarray],
        known: dict[str, np.ndarray] | None = None,
        noise: float = 0.02,
    ) -> None:
        self.real = real
        self.name = real.name
        self.dim = real.dim
        self.backend = getattr(real, "backend", "")
        self.sentence_vectors = sentence_vectors
        self.known = known or {}
        self.noise = noise
        self.synthesized = 0
        self.reused = 0
        self._fallback = np.stack(list(sentence_vectors.values()))

    def _vector(self, text: str) -> np.ndarray:
        if text in self.known:
            self.reused += 1
            return self.known[text]
        self.synthesized += 1
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
        rng = np.random.default_rng(seed)
        body = text.split("\n\n", 1)[-1]  # without the Titel/Afsnit/Kommune header
        known = self.sentence_vectors
        found = [known[s] for s in split_sentences(body) if s in known]
        if not found:  # a chunk cut inside one long sentence: borrow a random one
            found = [self._fallback[int(rng.integers(len(self._fallback)))]]
        vec = np.mean(found, axis=0) + rng.normal(0.0, self.noise, self.dim)
        return (vec / np.linalg.norm(vec)).astype(np.float32)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            out[i] = self._vector(text)
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.embed_queries(texts)


class TimedEmbedder:
    """Passes calls through and remembers how long the last question embedding took."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.backend = backend_of(inner)
        self.last_query_s = 0.0
        self.documents_embedded = 0
        self.document_seconds = 0.0

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.embed_documents(texts, progress)
        self.document_seconds += time.perf_counter() - started
        self.documents_embedded += len(texts)
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.embed_queries(texts)
        self.last_query_s = time.perf_counter() - started
        return out
