"""`casechat bench`: what building and searching cost at 1k, 10k and 100k chunks.

Every comparison is measured side by side in one run and reported as a ratio,
because absolute times on a shared 2-core machine are noisy; the load average is
recorded before and after. Sections:

1. embedding throughput on the real corpus chunks: plain sentence-transformers fp32
   ``encode`` against the fast path (index/fast_embed.py), in interleaved rounds, and
   the cosine fidelity of the fast vectors;
2. retrieval quality of both on eval/questions.jsonl (recall@5, MRR@10);
3. per corpus size (generated from the real texts, casechat/bench_corpus.py): build
   time without embedding, HNSW build time, size on disk, load time, memory, search
   latency p50/p95 split into its parts, exact vs HNSW search and recall@10;
4. start-up of a fresh process with a built index;
5. adding one document to the 10k-chunk index (only that document is embedded).
"""

from __future__ import annotations

import gc
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from base.settings import DEFAULT_MODEL, ROOT, Settings
from index.embed import Embedder, Progress, backend_of

QUESTIONS = ROOT / "eval" / "questions.jsonl"


@dataclass(frozen=True)
class BenchConfig:
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    rounds: int = 2  # interleaved throughput rounds (fp32, fast, fp32, fast, ...)
    real_vectors: int = 1_000  # generated chunks embedded for real (the rest synthetic)
    add_size: int = 10_000  # index size for the add-one-document measurement
    seed: int = 7
    workdir: Path | None = None  # default: a temporary folder, removed afterwards
    quality: bool = True
    startup: bool = True


@dataclass
class Bench:
    """Results as plain JSON-ready dicts, filled section by section."""

    config: BenchConfig
    say: Callable[[str], None]
    results: dict = field(default_factory=dict)


# ----------------------------------------------------------------- helpers ---


def _proc_status(key: str) -> float:
    """A /proc/self/status memory line in MB (VmRSS, VmHWM), 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak_rss() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def rss_mb() -> float:
    return _proc_status("VmRSS")


def peak_rss_mb() -> float:
    return _proc_status("VmHWM")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else 0.0


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 1e6


def machine() -> dict:
    """Cores, CPU model, memory, load and library versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("onnxruntime", "faiss-cpu", "bm25s", "sentence-transformers", "torch", "numpy"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = None
    mem = 0.0
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem, 1),
        "python": platform.python_version(),
        "versions": versions,
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }


class TimedEmbedder:
    """Passes calls through and remembers how long the last question embedding took."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.backend = backend_of(inner)
        self.last_query_s = 0.0
        self.documents_embedded = 0
        self.document_seconds = 0.0

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.embed_documents(texts, progress)
        self.document_seconds += time.perf_counter() - started
        self.documents_embedded += len(texts)
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.embed_queries(texts)
        self.last_query_s = time.perf_counter() - started
        return out


def _questions() -> list[str]:
    return [
        json.loads(line)["question"]
        for line in QUESTIONS.read_text("utf-8").splitlines()
        if line.strip()
    ]


def _real_chunks(settings: Settings) -> list:
    from ingest.chunk import chunk_document
    from ingest.pipeline import scan_corpus, to_document

    sources, _ = scan_corpus(settings.corpus_dir)
    return [c for s in sources for c in chunk_document(to_document(s), settings.chunking)]


# --------------------------------------------------------- 1. throughput ---


def embedding_throughput(bench: Bench, texts: list[str], fp32, onnx: dict) -> dict:
    """Plain fp32 sentence-transformers `encode` vs each ONNX backend, interleaved.

    Every round embeds the same texts with each embedder, in alternating order so a
    change of machine load hits all alike; the ratio is taken per round, then the median.
    """
    bench.say(f"Embedding: {len(texts)} rigtige tekststykker, side om side")
    plain = fp32.model  # the SentenceTransformer itself: plain encode, its own length sort
    prompt = fp32.document_prompt
    runs: dict[str, Callable[[], np.ndarray]] = {
        "sentence-transformers": lambda: plain.encode(
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
    for r in range(bench.config.rounds):
        for name in list(runs) if r % 2 == 0 else list(runs)[::-1]:
            started = time.perf_counter()
            vectors[name] = runs[name]()
            times[name].append(time.perf_counter() - started)
    base = times["sentence-transformers"]
    any_onnx = next(iter(onnx.values()))
    tokens = [len(any_onnx.tokenizer.encode(any_onnx.document_prompt + t).ids) for t in texts]
    out = {
        "chunks": len(texts),
        "mean_tokens": round(float(np.mean(tokens)), 1),
        "rounds": bench.config.rounds,
        "backends": {},
    }
    for name, ts in times.items():
        ratios = [a / b for a, b in zip(base, ts, strict=True)]
        cos = np.sum(vectors["sentence-transformers"] * vectors[name], axis=1)
        out["backends"][name] = {
            "chunks_per_s": round(len(texts) / statistics.median(ts), 2),
            "speedup": round(statistics.median(ratios), 2),
            "speedup_per_round": [round(x, 2) for x in ratios],
            "cosine_mean": round(float(cos.mean()), 5),
            "cosine_min": round(float(cos.min()), 5),
        }
    bench.results["embedding"] = out
    return vectors


# ------------------------------------------------------------ 2. quality ---


def retrieval_quality(bench: Bench, workdir: Path, chunks, vectors: dict, embedders: dict) -> None:
    """recall@5 and MRR@10 of fp32 and fast vectors on eval/questions.jsonl."""
    try:
        from casechat import evaluation
    except ImportError:
        bench.results["quality"] = {"skipped": "casechat.evaluation mangler"}
        return
    from casechat.bench_corpus import SyntheticEmbedder
    from index.build import build_index
    from index.search import Searcher
    from index.store import load_snapshot

    bench.say("Kvalitet: eval/questions.jsonl med hver backends vektorer")
    questions = evaluation.load_questions(QUESTIONS)
    out = {}
    for name, embedder in embedders.items():
        known = {c.embed_text(): v for c, v in zip(chunks, vectors[name], strict=True)}
        settings = Settings(index_dir=workdir / f"quality-{name}", model=DEFAULT_MODEL)
        build_index(settings, SyntheticEmbedder(embedder, {"x": vectors[name][0]}, known))
        searcher = Searcher(load_snapshot(settings.index_dir), embedder)
        out[name] = {}
        for mode in ("dense", "hybrid"):
            report = evaluation.evaluate(searcher, questions, mode=mode, k=10)
            out[name][mode] = {
                key: round(report.metrics.get(key, 0.0), 4) for key in ("recall@5", "mrr@10")
            }
    base = next(iter(embedders))
    for name in list(embedders)[1:]:
        out[f"Δ {name}"] = {
            mode: {
                key: round(out[name][mode][key] - out[base][mode][key], 4)
                for key in ("recall@5", "mrr@10")
            }
            for mode in ("dense", "hybrid")
        }
    bench.results["quality"] = out


# -------------------------------------------------------------- 3. sizes ---


def _dense_comparison(snapshot, graph, qvecs: np.ndarray, depth: int) -> dict:
    """Exact (1 and 2 OpenMP threads) vs HNSW latency and recall@10, side by side."""
    import faiss

    from index.ann import recall_at_k

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
    return {
        "flat_p50_ms": round(percentile(flat_one, 50), 3),
        "flat_all_threads_p50_ms": round(percentile(flat_threads, 50), 3),
        "hnsw_p50_ms": round(percentile(hnsw, 50), 3),
        "flat_over_hnsw": round(percentile(flat_one, 50) / max(percentile(hnsw, 50), 1e-6), 1),
        "hnsw_recall@10": round(recall_at_k(flat, graph, qvecs, 10), 4),
        "hnsw_recall@100": round(recall_at_k(flat, graph, qvecs, depth), 4),
    }


def _lexical_comparison(searcher, questions: list[str]) -> dict:
    """Full stable argsort vs partition-then-sort of the BM25 scores, side by side."""
    from index.search import _top_rows

    full, part = [], []
    depth = searcher.fusion.depth
    for q in questions:
        for scores in searcher.snapshot.lexical.scores(q):
            started = time.perf_counter()
            a = np.argsort(-scores, kind="stable")[:depth]
            full.append((time.perf_counter() - started) * 1e3)
            started = time.perf_counter()
            b = _top_rows(scores, depth)
            part.append((time.perf_counter() - started) * 1e3)
            if not np.array_equal(a, b):
                raise AssertionError("_top_rows disagrees with argsort")
    return {
        "argsort_p50_ms": round(percentile(full, 50), 3),
        "top_rows_p50_ms": round(percentile(part, 50), 3),
        "speedup": round(percentile(full, 50) / max(percentile(part, 50), 1e-6), 1),
    }


def search_latency(searcher, timed: TimedEmbedder, questions: list[str]) -> dict:
    """p50/p95 of one hybrid search and of its parts (ms)."""
    parts: dict[str, list[float]] = {
        k: [] for k in ("embed", "faiss", "bm25", "fusion", "total", "wall")
    }
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
        name: {"p50": round(percentile(v, 50), 2), "p95": round(percentile(v, 95), 2)}
        for name, v in parts.items()
    }


def measure_size(bench: Bench, n: int, ctx: dict) -> dict:
    """Build, load and search a generated corpus of about ``n`` chunks."""
    from casechat.bench_corpus import SyntheticEmbedder, generate_documents, write_corpus
    from index.ann import AnnParams, build_hnsw
    from index.build import build_index
    from index.search import Searcher
    from index.store import current_path, load_snapshot

    pool, docs_per_chunk = ctx["pool"], ctx["docs_per_chunk"]
    n_docs = max(1, round(n * docs_per_chunk))
    workdir: Path = ctx["workdir"]
    settings = Settings(
        corpus_dir=workdir / f"corpus-{n}",
        index_dir=workdir / f"index-{n}",
        model=ctx["fast"].name,
    )
    bench.say(f"{n:,} tekststykker: skriver {n_docs:,} genererede dokumenter")
    write_corpus(generate_documents(pool, n_docs, bench.config.seed), settings.corpus_dir)

    synth = SyntheticEmbedder(ctx["fast"], ctx["sentence_vectors"], ctx["known"])
    gc.collect()
    reset_peak_rss()
    base_rss = rss_mb()
    bench.say(f"{n:,} tekststykker: bygger indekset (syntetiske vektorer)")
    started = time.perf_counter()
    report = build_index(settings, synth)
    build_s = time.perf_counter() - started
    build_peak = peak_rss_mb()
    generation = current_path(settings.index_dir)
    files = {
        p.relative_to(generation).as_posix(): p.stat().st_size
        for p in generation.rglob("*")
        if p.is_file()
    }
    disk = {
        "total_mb": round(sum(files.values()) / 1e6, 1),
        "vectors_mb": round(files.get("vectors.faiss", 0) / 1e6, 1),
        "ann_mb": round(files.get("ann.faiss", 0) / 1e6, 1),
        "lexical_mb": round(sum(v for k, v in files.items() if k.startswith("lexical/")) / 1e6, 1),
        "chunks_mb": round(
            (files.get("chunks.jsonl", 0) + files.get("documents.jsonl", 0)) / 1e6, 1
        ),
    }
    gc.collect()
    reset_peak_rss()
    before_load = rss_mb()
    started = time.perf_counter()
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    load_s = time.perf_counter() - started
    timed = TimedEmbedder(ctx["fast"])
    searcher = Searcher(snapshot, timed)
    loaded_rss = rss_mb()
    bench.say(f"{n:,} tekststykker: {len(ctx['questions'])} spørgsmål")
    latency = search_latency(searcher, timed, ctx["questions"])

    graph = snapshot.graph
    graph_s = report.ann_seconds
    if graph is None:  # below the threshold: build one anyway, to compare
        started = time.perf_counter()
        graph = build_hnsw(snapshot.vectors, AnnParams())
        graph_s = time.perf_counter() - started
    dense = _dense_comparison(snapshot, graph, ctx["question_vectors"], searcher.fusion.depth)
    dense["hnsw_build_s"] = round(graph_s, 1)
    result = {
        "chunks": report.chunks_total,
        "documents": len(report.added),
        "real_vectors": synth.reused,
        "synthetic_vectors": synth.synthesized,
        "dense_index": snapshot.manifest.ann,
        "build_s_without_embedding": round(build_s, 1),
        "build_peak_rss_mb": round(build_peak, 0),
        "build_rss_before_mb": round(base_rss, 0),
        "ann_build_s_in_build": round(report.ann_seconds, 1),
        "disk": disk,
        "load_s": round(load_s, 2),
        "rss_index_mb": round(loaded_rss - before_load, 0),
        "rss_process_mb": round(loaded_rss, 0),
        "search_ms": latency,
        "dense": dense,
        "bm25_top": _lexical_comparison(searcher, ctx["questions"]),
        "index_dir": str(settings.index_dir),
    }
    ctx.setdefault("settings_by_size", {})[n] = settings
    del searcher, snapshot, graph
    gc.collect()
    return result


def add_one_document(bench: Bench, n: int, ctx: dict) -> dict:
    """Add one new generated document to the n-chunk index with the real fast embedder."""
    from casechat.bench_corpus import generate_documents, write_corpus
    from index.build import build_index

    settings: Settings = ctx["settings_by_size"][n]
    existing = len(list(settings.corpus_dir.glob("*.txt")))
    text, meta = generate_documents(ctx["pool"], existing + 1, bench.config.seed)[-1]
    staging = ctx["workdir"] / "new-doc"
    shutil.rmtree(staging, ignore_errors=True)
    path = write_corpus([(text, meta)], staging)[0]
    target = settings.corpus_dir / "added-document.txt"
    shutil.move(str(path), target)
    shutil.move(
        str(path.with_name(path.name + ".meta.json")), target.with_name(target.name + ".meta.json")
    )
    timed = TimedEmbedder(ctx["fast"])
    bench.say(f"Tilføjer ét dokument til indekset med {n:,} tekststykker")
    started = time.perf_counter()
    report = build_index(settings, timed)
    total = time.perf_counter() - started
    return {
        "index_chunks_before": ctx["sizes"][n]["chunks"],
        "added": report.added,
        "incremental": not report.full,
        "chunks_embedded": report.chunks_embedded,
        "texts_given_to_embedder": timed.documents_embedded,
        "chunks_total": report.chunks_total,
        "seconds": round(total, 2),
        "embed_seconds": round(timed.document_seconds, 2),
        "rest_seconds": round(total - timed.document_seconds, 2),
    }


# ------------------------------------------------------------ 4. startup ---

_STARTUP_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
out = {}
from base.settings import Settings
from index.embed import load_embedder
from index.search import Searcher
from index.store import load_snapshot
out["import_s"] = time.perf_counter() - t0
t = time.perf_counter()
settings = Settings.from_env()
embedder = load_embedder(settings.model)
out["model_s"] = time.perf_counter() - t
t = time.perf_counter()
snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
out["snapshot_s"] = time.perf_counter() - t
t = time.perf_counter()
searcher = Searcher(snapshot, embedder)
out["searcher_s"] = time.perf_counter() - t
t = time.perf_counter()
searcher.search("Hvordan arbejder kommunen med digital ledelse?", k=3)
out["first_search_s"] = time.perf_counter() - t
out["ready_s"] = time.perf_counter() - t0
out["torch_imported"] = "torch" in sys.modules
if sys.argv[1] == "app":
    try:
        t = time.perf_counter()
        import chat_app
        out["import_chat_app_s"] = time.perf_counter() - t
        t = time.perf_counter()
        chat_app.build_app(searcher)
        out["build_blocks_s"] = time.perf_counter() - t
        out["app_ready_s"] = time.perf_counter() - t0
    except Exception as exc:
        out["chat_app_error"] = f"{type(exc).__name__}: {exc}"
print("BENCH-JSON " + json.dumps(out))
"""


def startup(settings: Settings, with_app: bool) -> dict:
    """Time a fresh interpreter from import to first answer (and to built Blocks)."""
    env = dict(
        os.environ,
        CASECHAT_INDEX_DIR=str(settings.index_dir),
        CASECHAT_CORPUS_DIR=str(settings.corpus_dir),
        CASECHAT_MODEL=settings.model,
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _STARTUP_SCRIPT, "app" if with_app else "core"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - started
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH-JSON ")), None)
    if line is None:
        return {"error": (proc.stderr or proc.stdout)[-500:]}
    out = {
        k: round(v, 2) if isinstance(v, float) else v
        for k, v in json.loads(line[len("BENCH-JSON ") :]).items()
    }
    out["process_wall_s"] = round(wall, 2)
    return out


# ---------------------------------------------------------------- runner ---


def run(config: BenchConfig, say: Callable[[str], None] = print) -> dict:
    """Run every section; returns the results (also what --out writes)."""
    from casechat.bench_corpus import SentencePool, SyntheticEmbedder, docs_for_chunks
    from index.build import build_index
    from index.fast_embed import (
        BACKEND_ONNX_FP32,
        BACKEND_ONNX_INT8,
        BACKEND_TORCH,
        load_default_embedder,
        selected_backend,
    )

    bench = Bench(config, say)
    bench.results["machine"] = machine()
    bench.results["config"] = {
        "sizes": list(config.sizes),
        "rounds": config.rounds,
        "real_vectors": config.real_vectors,
        "seed": config.seed,
    }
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
        fast = onnx[selected_backend()] if selected_backend() in onnx else onnx[BACKEND_ONNX_FP32]
        bench.results["default_backend"] = backend_of(fast)
        chunks = _real_chunks(settings)
        texts = [c.embed_text() for c in chunks]
        vectors = embedding_throughput(bench, texts, fp32, onnx)
        fast_vecs = vectors[backend_of(fast)]
        if config.quality:
            retrieval_quality(bench, workdir, chunks, vectors, {BACKEND_TORCH: fp32, **onnx})
        del fp32, onnx
        gc.collect()

        questions = _questions()
        pool = SentencePool.from_corpus(settings.corpus_dir)
        say(f"Embedder {len(pool.sentences)} sætninger (til syntetiske vektorer)")
        sentence_vectors = dict(
            zip(pool.sentences, fast.embed_documents(pool.sentences), strict=True)
        )
        known = {t: v for t, v in zip(texts, fast_vecs, strict=True)}
        ctx = {
            "workdir": workdir,
            "pool": pool,
            "fast": fast,
            "questions": questions,
            "question_vectors": fast.embed_queries(questions),
            "sentence_vectors": sentence_vectors,
            "known": known,
            "sizes": {},
        }
        ctx["docs_per_chunk"] = docs_for_chunks(pool, 1000, settings.chunking, config.seed) / 1000
        _real_generated(bench, ctx, config)

        for n in sorted(config.sizes):
            ctx["sizes"][n] = measure_size(bench, n, ctx)
        bench.results["sizes"] = {str(n): r for n, r in ctx["sizes"].items()}

        if config.startup:
            say("Opstart: ny proces med det rigtige korpus' indeks")
            real = Settings(index_dir=workdir / "index-real", model=DEFAULT_MODEL)
            build_index(real, SyntheticEmbedder(fast, sentence_vectors, known))
            bench.results["startup"] = {"real_corpus": startup(real, with_app=True)}
            largest = max(config.sizes)
            say(f"Opstart: ny proces med indekset på {largest:,} tekststykker")
            bench.results["startup"][f"{largest}_chunks"] = startup(
                ctx["settings_by_size"][largest], with_app=False
            )
        if config.add_size in ctx.get("settings_by_size", {}):
            bench.results["add_document"] = add_one_document(bench, config.add_size, ctx)
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    bench.results["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    bench.results["seconds"] = round(time.perf_counter() - started, 1)
    return bench.results


def _real_generated(bench: Bench, ctx: dict, config: BenchConfig) -> None:
    """Embed the first generated chunks for real, and see how close synthetic ones come."""
    from casechat.bench_corpus import SyntheticEmbedder, generate_documents
    from ingest.chunk import chunk_document
    from ingest.clean import clean
    from ingest.document import Document, DocumentMeta

    if config.real_vectors <= 0:
        bench.results["synthetic_vectors"] = {"real_generated_chunks": 0}
        return
    n_docs = max(1, round(config.real_vectors * ctx["docs_per_chunk"]))
    texts = []
    for i, (text, meta) in enumerate(generate_documents(ctx["pool"], n_docs, config.seed)):
        cleaned = clean(text, meta["title"])
        doc_meta = DocumentMeta(
            meta["title"], tuple(meta["municipalities"]), meta["date"], meta["kind"]
        )
        doc = Document(f"gen-{i:06d}.txt", cleaned.text, doc_meta, "", cleaned.sections)
        texts.extend(c.embed_text() for c in chunk_document(doc, Settings().chunking))
    bench.say(f"Embedder {len(texts)} genererede tekststykker for rigtigt (til ANN-recall)")
    started = time.perf_counter()
    real = ctx["fast"].embed_documents(texts)
    seconds = time.perf_counter() - started
    synth = SyntheticEmbedder(ctx["fast"], ctx["sentence_vectors"]).embed_documents(texts)
    cos = np.sum(real * synth, axis=1)
    ctx["known"].update(zip(texts, real, strict=True))
    bench.results["synthetic_vectors"] = {
        "real_generated_chunks": len(texts),
        "fast_chunks_per_s": round(len(texts) / seconds, 2),
        "synthetic_vs_real_cosine_mean": round(float(cos.mean()), 4),
        "synthetic_vs_real_cosine_min": round(float(cos.min()), 4),
    }


# ---------------------------------------------------------------- report ---


def render(results: dict, console=None) -> None:
    """Rich tables of the results."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    m = results["machine"]
    console.print(
        f"[bold]Maskine:[/] {m['nproc']} kerner, {m['cpu']}, {m['memory_gb']} GB; "
        f"load før {m['load_before']}, efter {m.get('load_after')}"
    )
    e = results.get("embedding")
    if e:
        t = Table(
            title=f"Embedding af {e['chunks']} rigtige tekststykker (~{e['mean_tokens']} tokens), "
            f"{e['rounds']} skiftevise runder i samme kørsel"
        )
        for col in (
            "backend",
            "stk/s",
            "forhold til fp32 encode",
            "pr. runde",
            "cos middel",
            "cos min",
        ):
            t.add_column(col, justify="right")
        for name, r in e["backends"].items():
            t.add_row(
                name,
                str(r["chunks_per_s"]),
                f"{r['speedup']}×",
                " ".join(str(x) for x in r["speedup_per_round"]),
                str(r["cosine_mean"]),
                str(r["cosine_min"]),
            )
        console.print(t)
    q = results.get("quality")
    if q and "skipped" not in q:
        t = Table(title="Søgekvalitet, eval/questions.jsonl (k=10)")
        for col in (
            "vektorer",
            "dense recall@5",
            "dense MRR@10",
            "hybrid recall@5",
            "hybrid MRR@10",
        ):
            t.add_column(col, justify="right")
        for name, r in q.items():
            t.add_row(
                name, *(str(r[m_][k]) for m_ in ("dense", "hybrid") for k in ("recall@5", "mrr@10"))
            )
        console.print(t)
    sizes = results.get("sizes", {})
    if sizes:
        t = Table(title="Efter korpusstørrelse (genereret af de rigtige tekster)")
        t.add_column("")
        for n in sizes:
            t.add_column(f"{int(n):,}", justify="right")
        for label, fn in _SIZE_ROWS:
            t.add_row(label, *(fn(r) for r in sizes.values()))
        console.print(t)
    s = results.get("startup")
    if s:
        t = Table(title="Opstart i en ny proces (s)")
        t.add_column("indeks")
        cols = (
            "import_s",
            "model_s",
            "snapshot_s",
            "searcher_s",
            "first_search_s",
            "ready_s",
            "import_chat_app_s",
            "build_blocks_s",
            "app_ready_s",
            "torch_imported",
        )
        for col in cols:
            t.add_column(col.removesuffix("_s"), justify="right")
        for name, r in s.items():
            t.add_row(name, *(str(r.get(c, "–")) for c in cols))
        console.print(t)
    a = results.get("add_document")
    if a:
        console.print(
            f"[bold]Ét dokument til et indeks med {a['index_chunks_before']:,} tekststykker:[/] "
            f"{a['seconds']} s i alt, {a['chunks_embedded']} tekststykker embedded "
            f"({a['embed_seconds']} s), resten {a['rest_seconds']} s "
            f"(indlæs, BM25, skriv); inkrementelt: {a['incremental']}"
        )
    sv = results.get("synthetic_vectors")
    if sv:
        console.print(
            f"Vektorer: {sv['real_generated_chunks']} genererede tekststykker embedded for "
            f"rigtigt; resten syntetiske (middel af sætningsvektorer + støj), cosinus til de "
            f"rigtige: middel {sv.get('synthetic_vs_real_cosine_mean')}, "
            f"min {sv.get('synthetic_vs_real_cosine_min')}."
        )


def _ms(r: dict, part: str) -> str:
    s = r["search_ms"][part]
    return f"{s['p50']} / {s['p95']}"


_SIZE_ROWS: list[tuple[str, Callable[[dict], str]]] = [
    ("tekststykker", lambda r: f"{r['chunks']:,}"),
    (
        "rigtige / syntetiske vektorer",
        lambda r: f"{r['real_vectors']:,} / {r['synthetic_vectors']:,}",
    ),
    ("dense-indeks (automatisk)", lambda r: r["dense_index"]),
    ("søgning i alt p50 / p95 ms", lambda r: _ms(r, "total")),
    ("  spørgsmål-embedding", lambda r: _ms(r, "embed")),
    ("  FAISS", lambda r: _ms(r, "faiss")),
    ("  BM25 (ord + n-gram)", lambda r: _ms(r, "bm25")),
    ("  fusion", lambda r: _ms(r, "fusion")),
    (
        "eksakt / HNSW p50 ms",
        lambda r: f"{r['dense']['flat_p50_ms']} / {r['dense']['hnsw_p50_ms']}",
    ),
    ("eksakt med alle tråde p50 ms", lambda r: str(r["dense"]["flat_all_threads_p50_ms"])),
    (
        "HNSW recall@10 / @100",
        lambda r: f"{r['dense']['hnsw_recall@10']} / {r['dense']['hnsw_recall@100']}",
    ),
    ("HNSW bygges s", lambda r: str(r["dense"]["hnsw_build_s"])),
    (
        "BM25 top: argsort / partition ms",
        lambda r: f"{r['bm25_top']['argsort_p50_ms']} / {r['bm25_top']['top_rows_p50_ms']}",
    ),
    ("byg uden embedding s", lambda r: str(r["build_s_without_embedding"])),
    ("byg: højeste RSS MB", lambda r: f"{r['build_peak_rss_mb']:.0f}"),
    ("indlæs s", lambda r: str(r["load_s"])),
    ("RSS indeks / proces MB", lambda r: f"{r['rss_index_mb']:.0f} / {r['rss_process_mb']:.0f}"),
    (
        "disk MB (vektorer, HNSW, BM25)",
        lambda r: (
            f"{r['disk']['total_mb']} "
            f"({r['disk']['vectors_mb']}, "
            f"{r['disk']['ann_mb']}, "
            f"{r['disk']['lexical_mb']})"
        ),
    ),
]


def main(config: BenchConfig, out: Path | None) -> dict:
    """Run, print the tables, and write JSON to ``out``."""
    from rich.console import Console

    console = Console(stderr=False)
    results = run(config, say=lambda msg: console.print(f"[dim]… {msg}[/]"))
    render(results, console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        console.print(f"Resultater skrevet til {out}")
    return results
