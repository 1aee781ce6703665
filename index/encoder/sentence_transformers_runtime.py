"""Any sentence-transformers model (torch) behind the Embedder interface."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from base.errors import ModelError
from base.settings import BACKEND_TORCH
from index.encoder.base import E5_PROMPTS, Progress, normalize


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; prompts follow the model."""

    #: Recorded in the manifest: index and query vectors must come from one backend.
    backend = BACKEND_TORCH

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
        return normalize(vectors)

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
