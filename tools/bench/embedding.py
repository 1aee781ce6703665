"""Embedding: throughput of plain fp32 ``encode`` vs the ONNX backends, and fidelity.

Fidelity is measured twice: the cosine of each backend's vectors to plain fp32's
on the real chunks, and the cosine of synthetic vectors (tools/bench/vectors.py)
to real ones on generated chunks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from base.settings import Settings
from index.encoder import Embedder
from ingest.chunk import chunk_document
from ingest.clean import clean
from ingest.document import Document, DocumentMeta
from tools.bench.context import BenchConfig, RunContext
from tools.bench.corpus import generate_documents
from tools.bench.vectors import SyntheticEmbedder

BASELINE = "sentence-transformers"


@dataclass
class BackendThroughput:
    chunks_per_s: float
    speedup: float  # median over rounds of (plain fp32 seconds / this backend's seconds)
    speedup_per_round: list[float]
    cosine_mean: float  # to the plain fp32 vectors
    cosine_min: float


@dataclass
class EmbeddingResult:
    chunks: int
    mean_tokens: float
    rounds: int
    backends: dict[str, BackendThroughput] = field(default_factory=dict)


@dataclass
class SyntheticVectorsResult:
    real_generated_chunks: int
    fast_chunks_per_s: float | None = None
    synthetic_vs_real_cosine_mean: float | None = None
    synthetic_vs_real_cosine_min: float | None = None


def embedding_throughput(
    config: BenchConfig,
    say: Callable[[str], None],
    texts: list[str],
    fp32,
    onnx: dict[str, Embedder],
) -> tuple[EmbeddingResult, dict[str, np.ndarray]]:
    """Plain fp32 sentence-transformers `encode` vs each ONNX backend, interleaved.

    Every round embeds the same texts with each embedder, in alternating order so a
    change of machine load hits all alike; the ratio is taken per round, then the median.
    Returns the result and each backend's vectors of `texts`.
    """
    say(f"Embedding: {len(texts)} rigtige tekststykker, side om side")
    plain = fp32.model  # the SentenceTransformer itself: plain encode, its own length sort
    prompt = fp32.document_prompt
    runs: dict[str, Callable[[], np.ndarray]] = {
        BASELINE: lambda: plain.encode(
            [prompt + t for t in texts],
            batch_size=16,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    }
    for backend, embedder in onnx.items():
        embedder.embed_documents(texts[:8])  # warm-up: first ORT runs allocate arenas
        runs[backend] = lambda e=embedder: e.embed_documents(texts)
    times: dict[str, list[float]] = {k: [] for k in runs}
    vectors: dict[str, np.ndarray] = {}
    for r in range(config.rounds):
        for name in list(runs) if r % 2 == 0 else list(runs)[::-1]:
            started = time.perf_counter()
            vectors[name] = runs[name]()
            times[name].append(time.perf_counter() - started)
    base = times[BASELINE]
    any_onnx = next(iter(onnx.values()))
    tokens = [len(any_onnx.tokenizer.encode(any_onnx.document_prompt + t).ids) for t in texts]
    out = EmbeddingResult(len(texts), round(float(np.mean(tokens)), 1), config.rounds)
    for name, ts in times.items():
        ratios = [a / b for a, b in zip(base, ts, strict=True)]
        cos = np.sum(vectors[BASELINE] * vectors[name], axis=1)
        out.backends[name] = BackendThroughput(
            chunks_per_s=round(len(texts) / statistics.median(ts), 2),
            speedup=round(statistics.median(ratios), 2),
            speedup_per_round=[round(x, 2) for x in ratios],
            cosine_mean=round(float(cos.mean()), 5),
            cosine_min=round(float(cos.min()), 5),
        )
    return out, vectors


def real_generated(ctx: RunContext) -> SyntheticVectorsResult:
    """Embed the first generated chunks for real, and see how close synthetic ones come.

    The real vectors join ``ctx.known``, so the generated indexes use them.
    """
    if ctx.config.real_vectors <= 0:
        return SyntheticVectorsResult(real_generated_chunks=0)
    n_docs = max(1, round(ctx.config.real_vectors * ctx.docs_per_chunk))
    texts = []
    for i, (text, meta) in enumerate(generate_documents(ctx.pool, n_docs, ctx.config.seed)):
        cleaned = clean(text, meta["title"])
        doc_meta = DocumentMeta(
            meta["title"], tuple(meta["municipalities"]), meta["date"], meta["kind"]
        )
        doc = Document(f"gen-{i:06d}.txt", cleaned.text, doc_meta, "", cleaned.sections)
        texts.extend(c.embed_text() for c in chunk_document(doc, Settings().chunking))
    ctx.say(f"Embedder {len(texts)} genererede tekststykker for rigtigt (til ANN-recall)")
    started = time.perf_counter()
    real = ctx.fast.embed_documents(texts)
    seconds = time.perf_counter() - started
    synth = SyntheticEmbedder(ctx.fast, ctx.sentence_vectors).embed_documents(texts)
    cos = np.sum(real * synth, axis=1)
    ctx.known.update(zip(texts, real, strict=True))
    return SyntheticVectorsResult(
        real_generated_chunks=len(texts),
        fast_chunks_per_s=round(len(texts) / seconds, 2),
        synthetic_vs_real_cosine_mean=round(float(cos.mean()), 4),
        synthetic_vs_real_cosine_min=round(float(cos.min()), 4),
    )
