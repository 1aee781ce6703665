"""`casechat bench` per-size sections on small data with the fake embedder (no timing
assertions): build, search, exact vs HNSW, adding one document, the tables and the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from base.settings import Chunking
from index.encoder import HashingEmbedder
from tools.bench.add_document import add_one_document
from tools.bench.context import BenchConfig, RunContext
from tools.bench.corpus import SentencePool, docs_for_chunks
from tools.bench.embedding import BackendThroughput, EmbeddingResult
from tools.bench.report import BenchResults, render
from tools.bench.scale import measure_size
from tools.bench.system import machine


@pytest.fixture(scope="module")
def pool() -> SentencePool:
    from conftest import CORPUS

    return SentencePool.from_corpus(CORPUS)


@pytest.fixture
def ctx(pool: SentencePool, tmp_path: Path) -> RunContext:
    fake = HashingEmbedder()
    questions = ["Hvordan arbejder kommunen med digital ledelse?", "Hvad er et fælles mindset?"]
    return RunContext(
        config=BenchConfig(sizes=(150,)),
        say=lambda _m: None,
        workdir=tmp_path,
        pool=pool,
        fast=fake,
        questions=questions,
        question_vectors=fake.embed_queries(questions),
        sentence_vectors=dict(
            zip(pool.sentences, fake.embed_documents(pool.sentences), strict=True)
        ),
        known={},
        docs_per_chunk=docs_for_chunks(pool, 1000, Chunking(), 7) / 1000,
    )


def test_measure_size_and_add_one_document(ctx: RunContext) -> None:
    result = measure_size(ctx, 150)
    assert 75 <= result.chunks <= 300
    assert result.synthetic_vectors == result.chunks
    assert result.dense_index == "flat"
    assert result.dense.hnsw_recall_at_10 >= 0.9  # a tiny graph is near exact
    assert set(result.search_ms) == {"embed", "faiss", "bm25", "fusion", "total", "wall"}
    assert result.disk.total_mb > 0
    added = add_one_document(ctx, 150, result.chunks)
    assert added.incremental and added.added == ["added-document.txt"]
    # Only the new document was embedded, all of it.
    assert added.chunks_embedded == added.texts_given_to_embedder > 0
    assert added.chunks_total == result.chunks + added.chunks_embedded


def test_render_prints_every_section(ctx: RunContext) -> None:
    from rich.console import Console

    size = measure_size(ctx, 150)
    results = BenchResults(
        machine=machine(),
        config=ctx.config.as_json(),
        embedding=EmbeddingResult(
            chunks=3,
            mean_tokens=100.0,
            rounds=2,
            backends={
                "sentence-transformers": BackendThroughput(
                    chunks_per_s=1.0,
                    speedup=1.0,
                    speedup_per_round=[1.0, 1.0],
                    cosine_mean=1.0,
                    cosine_min=1.0,
                ),
            },
        ),
        sizes={"150": size},
    )
    console = Console(record=True, width=200)
    render(results, console)
    text = console.export_text()
    assert "sentence-transformers" in text and "søgning i alt" in text
    json.dumps(results.as_json())  # JSON-ready


def test_json_keeps_the_keys_of_bench_results(ctx: RunContext) -> None:
    data = BenchResults(
        machine=machine(), config=ctx.config.as_json(), sizes={"150": measure_size(ctx, 150)}
    ).as_json()
    assert list(data) == ["machine", "config", "default_backend", "sizes", "seconds"]
    size = data["sizes"]["150"]
    assert {"hnsw_recall@10", "hnsw_recall@100", "hnsw_build_s"} <= set(size["dense"])
    assert set(size["search_ms"]["total"]) == {"p50", "p95"}
    assert {"chunks", "disk", "bm25_top", "load_s", "index_dir"} <= set(size)
