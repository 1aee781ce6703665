"""The training questions' vectors, kept in the index folder between builds.

Embedding the ~1,000 training questions is most of what training the answer model
costs with the real model (answer/training.py). Their randomness is fixed by what
they are made of, so a rebuild after a document was added asks mostly the same
questions: their vectors are read from `answer-questions.npz` in the index folder
and only new questions are embedded, in one batch. The file is keyed by the
embedding model, its backend and the question's text, holds only the last build's
questions, and is replaced atomically; a missing or unreadable file only means
that every question is embedded again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from index.encoder import Embedder
from index.encoder.base import backend_of

FILE = "answer-questions.npz"


def _key(embedder: Embedder, text: str) -> str:
    raw = f"{embedder.name}\0{backend_of(embedder)}\0{embedder.dim}\0{text}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _read(path: Path, dim: int) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as data:
            keys, vectors = data["keys"], data["vectors"]
    except (OSError, ValueError, KeyError):
        return {}
    if vectors.ndim != 2 or vectors.shape[1] != dim or len(keys) != len(vectors):
        return {}
    return {str(k): v for k, v in zip(keys, vectors, strict=True)}


def embed_questions(embedder: Embedder, texts: list[str], folder: Path | None) -> np.ndarray:
    """The question vectors of `texts` (n, dim): the kept ones read from `folder`, the
    others embedded in one batch; `folder` then keeps exactly these."""
    keys = [_key(embedder, t) for t in texts]
    path = folder / FILE if folder is not None else None
    known = _read(path, embedder.dim) if path is not None and path.is_file() else {}
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
    if missing:
        fresh = embedder.embed_queries(list(missing.values()))
        known.update(zip(missing, np.asarray(fresh, np.float32), strict=True))
    if not texts:
        return np.zeros((0, embedder.dim), np.float32)
    out = np.stack([known[k] for k in keys]).astype(np.float32)
    if path is not None and (missing or len(known) != len(set(keys))):
        unique = sorted(set(keys))
        tmp = path.with_name(f"{FILE}.{os.getpid()}.tmp.npz")
        try:
            np.savez(tmp, keys=np.asarray(unique), vectors=np.stack([known[k] for k in unique]))
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only folder: the next build embeds again
    return out
