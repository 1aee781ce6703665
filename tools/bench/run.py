"""The order of a benchmark run: models, embedding, quality, sizes, start-up, one document.

Sections (one module each, see tools/bench/__init__.py):

1. embedding throughput on the real corpus chunks, plain fp32 ``encode`` against
   the ONNX backends in interleaved rounds, and the cosine fidelity of their vectors;
2. retrieval quality of each on eval/questions.jsonl (recall@5, MRR@10);
3. per corpus size (generated from the real texts): build time without embedding,
   HNSW build time, size on disk, load time, memory, search latency p50/p95 split
   into its parts, exact vs HNSW search and recall@10;
4. start-up of a fresh process with a built index, and of the real chat;
5. adding one document to the 10k-chunk index (only that document is embedded).
"""

from __future__ import annotations

import gc
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from answer.build import build_index
from base.settings import (
    BACKEND_ONNX_FP32,
    BACKEND_ONNX_INT8,
    BACKEND_TORCH,
    DEFAULT_MODEL,
    Settings,
    selected_backend,
)
from index.encoder import backend_of, load_default_embedder
from ingest.chunk import chunk_document
from ingest.document import Chunk
from ingest.pipeline import scan_corpus, to_document
from tools.bench.add_document import add_one_document
from tools.bench.context import BenchConfig, RunContext, question_texts
from tools.bench.corpus import SentencePool, docs_for_chunks
from tools.bench.embedding import embedding_throughput, real_generated
from tools.bench.quality import retrieval_quality
from tools.bench.report import BenchResults, render
from tools.bench.scale import measure_size
from tools.bench.startup import startup
from tools.bench.system import load_average, machine
from tools.bench.vectors import SyntheticEmbedder


def _real_chunks(settings: Settings) -> list[Chunk]:
    sources, _ = scan_corpus(settings.corpus_dir)
    return [c for s in sources for c in chunk_document(to_document(s), settings.chunking)]


def run(config: BenchConfig, say: Callable[[str], None] = print) -> BenchResults:
    """Run every section; returns the results (also what --out writes)."""
    results = BenchResults(machine=machine(), config=config.as_json())
    own_tmp = config.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="casechat-bench-")) if own_tmp else config.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        settings = Settings(model=DEFAULT_MODEL)
        say("Indlæser modellerne (sentence-transformers og ONNX)")
        fp32 = load_default_embedder(DEFAULT_MODEL, BACKEND_TORCH)
        onnx = {
            b: load_default_embedder(DEFAULT_MODEL, b)
            for b in (BACKEND_ONNX_FP32, BACKEND_ONNX_INT8)
        }
        fast = onnx.get(selected_backend(), onnx[BACKEND_ONNX_FP32])
        results.default_backend = backend_of(fast)
        chunks = _real_chunks(settings)
        texts = [c.embed_text() for c in chunks]
        results.embedding, vectors = embedding_throughput(config, say, texts, fp32, onnx)
        fast_vecs = vectors[backend_of(fast)]
        if config.quality:
            embedders = {BACKEND_TORCH: fp32, **onnx}
            results.quality = retrieval_quality(say, workdir, chunks, vectors, embedders)
        del fp32, onnx
        gc.collect()

        questions = question_texts()
        pool = SentencePool.from_corpus(settings.corpus_dir)
        say(f"Embedder {len(pool.sentences)} sætninger (til syntetiske vektorer)")
        sentence_vectors = dict(
            zip(pool.sentences, fast.embed_documents(pool.sentences), strict=True)
        )
        ctx = RunContext(
            config=config,
            say=say,
            workdir=workdir,
            pool=pool,
            fast=fast,
            questions=questions,
            question_vectors=fast.embed_queries(questions),
            sentence_vectors=sentence_vectors,
            known=dict(zip(texts, fast_vecs, strict=True)),
            docs_per_chunk=docs_for_chunks(pool, 1000, settings.chunking, config.seed) / 1000,
        )
        results.synthetic_vectors = real_generated(ctx)

        sizes = {n: measure_size(ctx, n) for n in sorted(config.sizes)}
        results.sizes = {str(n): r for n, r in sizes.items()}

        if config.startup:
            say("Opstart: ny proces og `casechat chat` med det rigtige korpus' indeks")
            real = Settings(index_dir=workdir / "index-real", model=DEFAULT_MODEL)
            build_index(real, SyntheticEmbedder(fast, sentence_vectors, ctx.known))
            results.startup = {"real_corpus": startup(real, with_chat=True)}
            largest = max(config.sizes)
            say(f"Opstart: ny proces med indekset på {largest:,} tekststykker")
            results.startup[f"{largest}_chunks"] = startup(
                ctx.settings_by_size[largest], with_chat=False
            )
        if config.add_size in ctx.settings_by_size:
            results.add_document = add_one_document(
                ctx, config.add_size, sizes[config.add_size].chunks
            )
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    results.machine.load_after = load_average()
    results.seconds = round(time.perf_counter() - started, 1)
    return results


def main(config: BenchConfig, out: Path | None) -> BenchResults:
    """Run, print the tables, and write JSON to ``out``."""
    from rich.console import Console

    console = Console(stderr=False)
    results = run(config, say=lambda msg: console.print(f"[dim]… {msg}[/]"))
    render(results, console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(results.as_json(), ensure_ascii=False, indent=2) + "\n"
        out.write_text(text, encoding="utf-8")
        console.print(f"Resultater skrevet til {out}")
    return results
