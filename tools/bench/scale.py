"""Per corpus size: build without embedding, disk, load, memory, search latency split
into its parts, exact vs HNSW search and recall, and the BM25 top-k selection."""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass

import faiss
import numpy as np

from answer.build import build_index
from answer.search import Searcher, top_rows
from base.settings import Settings
from index.ann import AnnParams, build_hnsw, recall_at_k
from index.store import Snapshot, current_path, load_snapshot
from tools.bench.context import RunContext
from tools.bench.corpus import generate_documents, write_corpus
from tools.bench.system import peak_rss_mb, reset_peak_rss, rss_mb
from tools.bench.vectors import SyntheticEmbedder, TimedEmbedder
from tools.evaluation.metrics import percentile

#: The parts of one hybrid search, in the order of search_ms.
PARTS = ("embed", "faiss", "bm25", "fusion", "total", "wall")


@dataclass
class Percentiles:
    p50: float
    p95: float


@dataclass
class DiskUse:
    total_mb: float
    vectors_mb: float
    ann_mb: float
    lexical_mb: float
    chunks_mb: float


@dataclass
class DenseComparison:
    """Exact (1 and all OpenMP threads) vs HNSW latency, and HNSW's recall against exact."""

    flat_p50_ms: float
    flat_all_threads_p50_ms: float
    hnsw_p50_ms: float
    flat_over_hnsw: float
    hnsw_recall_at_10: float  # JSON: "hnsw_recall@10"
    hnsw_recall_at_100: float  # JSON: "hnsw_recall@100"
    hnsw_build_s: float = 0.0


@dataclass
class LexicalTop:
    """Every matching passage scored and sorted (argsort) vs Tantivy's top-k (top_rows)."""

    argsort_p50_ms: float
    top_rows_p50_ms: float
    speedup: float


@dataclass
class SizeResult:
    chunks: int
    documents: int
    real_vectors: int
    synthetic_vectors: int
    dense_index: str
    build_s_without_embedding: float
    build_peak_rss_mb: float
    build_rss_before_mb: float
    ann_build_s_in_build: float
    disk: DiskUse
    load_s: float
    rss_index_mb: float
    rss_process_mb: float
    search_ms: dict[str, Percentiles]
    dense: DenseComparison
    bm25_top: LexicalTop
    index_dir: str


def _p50(values: list[float]) -> float:
    return percentile(values, 50)


def dense_comparison(snapshot: Snapshot, graph, qvecs: np.ndarray, depth: int) -> DenseComparison:
    """Exact (1 and 2 OpenMP threads) vs HNSW latency and recall@10, side by side."""

    def per_query(index) -> list[float]:
        out = []
        for v in qvecs:
            started = time.perf_counter()
            index.search(v[None, :], depth)
            out.append((time.perf_counter() - started) * 1e3)
        return out

    flat = snapshot.vectors
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    flat_threads = per_query(flat)
    faiss.omp_set_num_threads(1)
    flat_one = per_query(flat)
    hnsw = per_query(graph)
    faiss.omp_set_num_threads(before)
    return DenseComparison(
        flat_p50_ms=round(_p50(flat_one), 3),
        flat_all_threads_p50_ms=round(_p50(flat_threads), 3),
        hnsw_p50_ms=round(_p50(hnsw), 3),
        flat_over_hnsw=round(_p50(flat_one) / max(_p50(hnsw), 1e-6), 1),
        hnsw_recall_at_10=round(recall_at_k(flat, graph, qvecs, 10), 4),
        hnsw_recall_at_100=round(recall_at_k(flat, graph, qvecs, depth), 4),
    )


def lexical_comparison(searcher: Searcher, questions: list[str]) -> LexicalTop:
    """Every matching passage scored and sorted vs Tantivy's top-k (block-max WAND),
    side by side, both fields; they must agree on the top."""
    full, part = [], []
    depth = searcher.fusion.depth
    lexical = searcher.snapshot.lexical
    for q in questions:
        started = time.perf_counter()
        every = lexical.scores(q)
        rows = [top_rows(scores, depth) for scores in every]
        full.append((time.perf_counter() - started) * 1e3)
        started = time.perf_counter()
        tops = lexical.top(q, depth)
        part.append((time.perf_counter() - started) * 1e3)
        for scores, row, (ids, _) in zip(every, rows, tops, strict=True):
            if [int(lexical.ids[r]) for r in row if scores[r] > 0] != ids:
                raise AssertionError("Tantivy's top-k disagrees with scoring every passage")
    return LexicalTop(
        argsort_p50_ms=round(_p50(full), 3),
        top_rows_p50_ms=round(_p50(part), 3),
        speedup=round(_p50(full) / max(_p50(part), 1e-6), 1),
    )


def search_latency(
    searcher: Searcher, timed: TimedEmbedder, questions: list[str]
) -> dict[str, Percentiles]:
    """p50/p95 of one hybrid search and of its parts (ms)."""
    parts: dict[str, list[float]] = {k: [] for k in PARTS}
    searcher.search(questions[0], k=5)  # warm-up
    for q in questions:
        started = time.perf_counter()
        result = searcher.search(q, k=5, mode="hybrid")
        wall = (time.perf_counter() - started) * 1e3
        t = result.timings_ms
        embed = timed.last_query_s * 1e3
        parts["embed"].append(embed)
        parts["faiss"].append(max(t.get("dense_ms", 0.0) - embed, 0.0))
        parts["bm25"].append(t.get("lexical_ms", 0.0))
        parts["fusion"].append(t.get("fuse_ms", 0.0))
        parts["total"].append(t.get("total_ms", wall))
        parts["wall"].append(wall)
    return {
        name: Percentiles(round(percentile(v, 50), 2), round(percentile(v, 95), 2))
        for name, v in parts.items()
    }


def _disk_use(settings: Settings) -> DiskUse:
    generation = current_path(settings.index_dir)
    files = {
        p.relative_to(generation).as_posix(): p.stat().st_size
        for p in generation.rglob("*")
        if p.is_file()
    }
    lexical = sum(v for k, v in files.items() if k.startswith("lexical/"))
    return DiskUse(
        total_mb=round(sum(files.values()) / 1e6, 1),
        vectors_mb=round(files.get("vectors.faiss", 0) / 1e6, 1),
        ann_mb=round(files.get("ann.faiss", 0) / 1e6, 1),
        lexical_mb=round(lexical / 1e6, 1),
        chunks_mb=round((files.get("chunks.jsonl", 0) + files.get("documents.jsonl", 0)) / 1e6, 1),
    )


def measure_size(ctx: RunContext, n: int) -> SizeResult:
    """Build, load and search a generated corpus of about ``n`` chunks.

    Its settings stay in ``ctx.settings_by_size`` for the start-up and add-document sections.
    """
    n_docs = max(1, round(n * ctx.docs_per_chunk))
    settings = Settings(
        corpus_dir=ctx.workdir / f"corpus-{n}",
        index_dir=ctx.workdir / f"index-{n}",
        model=ctx.fast.name,
    )
    ctx.say(f"{n:,} tekststykker: skriver {n_docs:,} genererede dokumenter")
    write_corpus(generate_documents(ctx.pool, n_docs, ctx.config.seed), settings.corpus_dir)

    synth = SyntheticEmbedder(ctx.fast, ctx.sentence_vectors, ctx.known)
    gc.collect()
    reset_peak_rss()
    base_rss = rss_mb()
    ctx.say(f"{n:,} tekststykker: bygger indekset (syntetiske vektorer)")
    started = time.perf_counter()
    report = build_index(settings, synth)
    build_s = time.perf_counter() - started
    build_peak = peak_rss_mb()
    disk = _disk_use(settings)

    gc.collect()
    reset_peak_rss()
    before_load = rss_mb()
    started = time.perf_counter()
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    load_s = time.perf_counter() - started
    timed = TimedEmbedder(ctx.fast)
    searcher = Searcher(snapshot, timed)
    loaded_rss = rss_mb()
    ctx.say(f"{n:,} tekststykker: {len(ctx.questions)} spørgsmål")
    latency = search_latency(searcher, timed, ctx.questions)

    graph = snapshot.graph
    graph_s = report.ann_seconds
    if graph is None:  # below the threshold: build one anyway, to compare
        started = time.perf_counter()
        graph = build_hnsw(snapshot.vectors, AnnParams())
        graph_s = time.perf_counter() - started
    dense = dense_comparison(snapshot, graph, ctx.question_vectors, searcher.fusion.depth)
    dense.hnsw_build_s = round(graph_s, 1)
    result = SizeResult(
        chunks=report.chunks_total,
        documents=len(report.added),
        real_vectors=synth.reused,
        synthetic_vectors=synth.synthesized,
        dense_index=snapshot.manifest.ann,
        build_s_without_embedding=round(build_s, 1),
        build_peak_rss_mb=round(build_peak, 0),
        build_rss_before_mb=round(base_rss, 0),
        ann_build_s_in_build=round(report.ann_seconds, 1),
        disk=disk,
        load_s=round(load_s, 2),
        rss_index_mb=round(loaded_rss - before_load, 0),
        rss_process_mb=round(loaded_rss, 0),
        search_ms=latency,
        dense=dense,
        bm25_top=lexical_comparison(searcher, ctx.questions),
        index_dir=str(settings.index_dir),
    )
    ctx.settings_by_size[n] = settings
    del searcher, snapshot, graph
    gc.collect()
    return result
