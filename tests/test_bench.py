"""`casechat bench` pieces on small data with the fake embedder (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from base.settings import Chunking
from casechat import bench
from casechat.bench_corpus import (
    SentencePool,
    SyntheticEmbedder,
    docs_for_chunks,
    generate_documents,
    split_sentences,
    write_corpus,
)
from casechat.cli import app
from index.embed import HashingEmbedder


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


@pytest.fixture
def ctx(pool: SentencePool, tmp_path: Path) -> dict:
    fake = HashingEmbedder()
    questions = ["Hvordan arbejder kommunen med digital ledelse?", "Hvad er et fælles mindset?"]
    return {
        "workdir": tmp_path,
        "pool": pool,
        "fast": fake,
        "questions": questions,
        "question_vectors": fake.embed_queries(questions),
        "sentence_vectors": dict(
            zip(pool.sentences, fake.embed_documents(pool.sentences), strict=True)
        ),
        "known": {},
        "sizes": {},
        "docs_per_chunk": docs_for_chunks(pool, 1000, Chunking(), 7) / 1000,
    }


def test_measure_size_and_add_one_document(ctx: dict) -> None:
    b = bench.Bench(bench.BenchConfig(sizes=(150,)), say=lambda _m: None)
    result = bench.measure_size(b, 150, ctx)
    assert 75 <= result["chunks"] <= 300
    assert result["synthetic_vectors"] == result["chunks"]
    assert result["dense_index"] == "flat"
    assert result["dense"]["hnsw_recall@10"] >= 0.9  # a tiny graph is near exact
    assert set(result["search_ms"]) == {"embed", "faiss", "bm25", "fusion", "total", "wall"}
    assert result["disk"]["total_mb"] > 0
    ctx["sizes"][150] = result
    added = bench.add_one_document(b, 150, ctx)
    assert added["incremental"] and added["added"] == ["added-document.txt"]
    # Only the new document was embedded, all of it.
    assert added["chunks_embedded"] == added["texts_given_to_embedder"] > 0
    assert added["chunks_total"] == result["chunks"] + added["chunks_embedded"]


def test_render_prints_every_section(ctx: dict) -> None:
    from rich.console import Console

    b = bench.Bench(bench.BenchConfig(sizes=(150,)), say=lambda _m: None)
    size = bench.measure_size(b, 150, ctx)
    results = {
        "machine": bench.machine(),
        "embedding": {
            "chunks": 3,
            "mean_tokens": 100.0,
            "rounds": 2,
            "backends": {
                "sentence-transformers": {
                    "chunks_per_s": 1.0,
                    "speedup": 1.0,
                    "speedup_per_round": [1.0, 1.0],
                    "cosine_mean": 1.0,
                    "cosine_min": 1.0,
                },
            },
        },
        "sizes": {"150": size},
    }
    console = Console(record=True, width=200)
    bench.render(results, console)
    text = console.export_text()
    assert "sentence-transformers" in text and "søgning i alt" in text
    json.dumps(results)  # JSON-ready


def test_cli_rejects_bad_sizes() -> None:
    result = CliRunner().invoke(app, ["bench", "--sizes", "1k,2k"])
    assert result.exit_code == 2
    assert "heltal" in result.output


def test_peak_rss_helpers_report_megabytes() -> None:
    bench.reset_peak_rss()
    assert bench.rss_mb() > 10
    assert bench.peak_rss_mb() >= bench.rss_mb() * 0.9
