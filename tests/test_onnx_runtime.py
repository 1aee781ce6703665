"""The real ONNX graphs (index/encoder/onnx_runtime.py) against sentence-transformers.

Slow: they load the prepared models in models/ and embed the real corpus.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from base.settings import (
    BACKEND_ENV,
    BACKEND_ONNX_FP32,
    BACKEND_ONNX_INT8,
    BACKEND_TORCH,
    ROOT,
    Settings,
)
from index.encoder import load_default_embedder


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    from ingest.chunk import chunk_document
    from ingest.pipeline import scan_corpus, to_document

    settings = Settings()
    sources, _ = scan_corpus(settings.corpus_dir)
    return [
        c.embed_text() for s in sources for c in chunk_document(to_document(s), settings.chunking)
    ]


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers_on_the_corpus(corpus_texts: list[str]) -> None:
    reference = load_default_embedder("multilingual-e5-small", BACKEND_TORCH)
    ref_docs = reference.embed_documents(corpus_texts)
    questions = ["Hvordan arbejder kommunen med digital ledelse?", "kort", "Hvad er RPA?"]
    ref_q = reference.embed_queries(questions)
    for backend, floor in ((BACKEND_ONNX_FP32, 0.9999), (BACKEND_ONNX_INT8, 0.99)):
        fast = load_default_embedder("multilingual-e5-small", backend)
        docs = fast.embed_documents(corpus_texts)
        assert docs.shape == ref_docs.shape
        assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
        cos = np.sum(docs * ref_docs, axis=1)
        assert cos.mean() >= floor, (backend, cos.mean(), cos.min())
        assert np.sum(fast.embed_queries(questions) * ref_q, axis=1).min() >= floor - 0.01
    # Order of input does not matter (length sorting puts rows back in place).
    fast = load_default_embedder("multilingual-e5-small", BACKEND_ONNX_FP32)
    some = corpus_texts[:24]
    forward = fast.embed_documents(some)
    backward = fast.embed_documents(some[::-1])[::-1]
    assert np.sum(forward * backward, axis=1).min() > 0.9999


@pytest.mark.slow
def test_default_model_loads_without_torch() -> None:
    """Start-up: the default ONNX path must not import torch (seconds of import time)."""
    code = (
        "import sys; from index.encoder import load_embedder; e = load_embedder(); "
        "e.embed_queries(['hej']); print(e.backend, 'torch' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in (BACKEND_ENV, "CASECHAT_MODEL")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    ).stdout.split()
    assert out[-2:] == [BACKEND_ONNX_FP32, "False"]
