"""The fake embedder the fast tests use, and the factory that names it."""

from __future__ import annotations

import numpy as np

from index.encoder import HashingEmbedder, load_embedder
from index.encoder.base import normalize


def test_hashing_embedder_is_deterministic_unit_length_and_records_inputs() -> None:
    embedder = HashingEmbedder(dim=32)
    docs = embedder.embed_documents(["Digital ledelse i kommunen", "RPA og robotter", ""])
    again = HashingEmbedder(dim=32).embed_documents(["Digital ledelse i kommunen"])
    assert docs.shape == (3, 32) and docs.dtype == np.float32
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0)
    assert np.array_equal(docs[0], again[0])
    query = embedder.embed_queries(["digital ledelse"])
    assert float(query[0] @ docs[0]) > float(query[0] @ docs[1])  # shared words score higher
    assert embedder.documents_seen == ["Digital ledelse i kommunen", "RPA og robotter", ""]
    assert embedder.queries_seen == ["digital ledelse"]


def test_empty_batch_reports_progress_and_keeps_the_width() -> None:
    seen: list[tuple[int, int]] = []
    out = HashingEmbedder(dim=16).embed_documents([], progress=lambda d, n: seen.append((d, n)))
    assert out.shape == (0, 16) and seen == [(0, 0)]


def test_factory_names_the_fake() -> None:
    assert isinstance(load_embedder("hashing"), HashingEmbedder)
    fake = load_embedder("hashing:12")
    assert fake.dim == 12 and fake.name == "hashing:12"


def test_normalize_makes_unit_rows_so_inner_product_is_cosine() -> None:
    a, b = np.array([[3.0, 4.0]]), np.array([[1.0, 0.0]])
    cosine = float((a @ b.T)[0, 0] / (np.linalg.norm(a) * np.linalg.norm(b)))
    assert np.isclose(float((normalize(a) @ normalize(b).T)[0, 0]), cosine)
    assert np.array_equal(normalize(np.zeros((1, 3))), np.zeros((1, 3), np.float32))
