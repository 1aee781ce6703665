"""Benchmark corpora and their vectors: generated from the real texts, deterministic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from base.settings import Chunking
from index.encoder import HashingEmbedder
from tools.bench.corpus import (
    SentencePool,
    docs_for_chunks,
    generate_documents,
    split_sentences,
    write_corpus,
)
from tools.bench.vectors import SyntheticEmbedder


@pytest.fixture(scope="module")
def pool() -> SentencePool:
    from conftest import CORPUS

    return SentencePool.from_corpus(CORPUS)


def test_split_sentences_keeps_abbreviations_and_numbers_together() -> None:
    text = "Det gik godt. Men kl. 13.45 kom 1.250 ledere! Hvorfor? Fordi det var vigtigt."
    assert split_sentences(text) == [
        "Det gik godt.",
        "Men kl. 13.45 kom 1.250 ledere!",
        "Hvorfor?",
        "Fordi det var vigtigt.",
    ]


def test_pool_holds_real_sentences_and_metadata(pool: SentencePool) -> None:
    assert len(pool.sentences) > 100
    assert all(len(s) >= 40 for s in pool.sentences)
    assert len(pool.metas) == 5 and all(m["title"] for m in pool.metas)


def test_generated_documents_are_deterministic_prefixes(pool: SentencePool) -> None:
    small = generate_documents(pool, 5, seed=3)
    large = generate_documents(pool, 20, seed=3)
    assert small == large[:5]
    assert generate_documents(pool, 5, seed=4) != small
    text, meta = small[0]
    sentences = set(pool.sentences)
    pieces = [s for p in text.split("\n\n") for s in split_sentences(p)]
    # Pool sentences that end without . ! ? merge with the next one when re-split.
    assert sum(s in sentences for s in pieces) >= 0.8 * len(pieces)
    assert "syntetisk 1" in meta["title"]


def test_docs_for_chunks_hits_the_target_roughly(pool: SentencePool, tmp_path: Path) -> None:
    from ingest.chunk import chunk_document
    from ingest.pipeline import scan_corpus, to_document

    n_docs = docs_for_chunks(pool, 300, Chunking(), seed=7)
    write_corpus(generate_documents(pool, n_docs, seed=7), tmp_path / "c")
    sources, problems = scan_corpus(tmp_path / "c")
    assert not problems and len(sources) == n_docs
    chunks = sum(len(chunk_document(to_document(s), Chunking())) for s in sources)
    assert 200 <= chunks <= 400


def test_synthetic_embedder_is_deterministic_and_reuses_known(pool: SentencePool) -> None:
    real = HashingEmbedder(dim=16)
    sentence_vectors = dict(zip(pool.sentences, real.embed_documents(pool.sentences), strict=True))
    known_text = "Titel: x\n\nkendt tekst"
    known = {known_text: np.eye(16, dtype=np.float32)[3]}
    synth = SyntheticEmbedder(real, sentence_vectors, known)
    text = "Titel: y\n\n" + " ".join(pool.sentences[:3])
    a = synth.embed_documents([text, known_text])
    b = synth.embed_documents([text])
    assert np.array_equal(a[0], b[0])
    assert np.array_equal(a[1], known[known_text])
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # Built from its sentences: close to their mean direction.
    mean = np.mean([sentence_vectors[s] for s in pool.sentences[:3]], axis=0)
    assert float(a[0] @ (mean / np.linalg.norm(mean))) > 0.9
    assert (synth.synthesized, synth.reused) == (2, 1)
    assert synth.name == real.name and synth.dim == real.dim
