"""The results of a benchmark run: one dataclass per section, the JSON, the tables."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.bench.add_document import AddDocumentResult
from tools.bench.embedding import EmbeddingResult, SyntheticVectorsResult
from tools.bench.quality import QualityResult
from tools.bench.scale import SizeResult
from tools.bench.startup import StartupResult
from tools.bench.system import MachineInfo

_AT = re.compile(r"_at_(\d+)$")


def _json_fields(pairs: list[tuple[str, object]]) -> dict:
    """Field names as bench-results.json spells them: ``recall_at_5`` -> ``recall@5``."""
    return {_AT.sub(r"@\1", name): value for name, value in pairs}


@dataclass
class BenchResults:
    """Everything one run measured; a section not run stays None and is left out."""

    machine: MachineInfo
    config: dict
    default_backend: str = ""
    embedding: EmbeddingResult | None = None
    quality: QualityResult | None = None
    synthetic_vectors: SyntheticVectorsResult | None = None
    sizes: dict[str, SizeResult] = field(default_factory=dict)
    startup: dict[str, StartupResult] | None = None
    add_document: AddDocumentResult | None = None
    seconds: float = 0.0

    def as_json(self) -> dict:
        """The JSON of bench-results.json (keys as before the typed results)."""
        data = dataclasses.asdict(self, dict_factory=_json_fields)
        return {key: value for key, value in data.items() if value is not None}


def render(results: BenchResults, console=None) -> None:
    """Rich tables of the results."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    m = results.machine
    console.print(
        f"[bold]Maskine:[/] {m.nproc} kerner, {m.cpu}, {m.memory_gb} GB; "
        f"load før {m.load_before}, efter {m.load_after or None}"
    )
    e = results.embedding
    if e:
        t = Table(
            title=f"Embedding af {e.chunks} rigtige tekststykker (~{e.mean_tokens} tokens), "
            f"{e.rounds} skiftevise runder i samme kørsel"
        )
        for col in ("backend", "stk/s", "forhold til fp32 encode", "pr. runde", "cos middel",
                    "cos min"):  # fmt: skip
            t.add_column(col, justify="right")
        for name, r in e.backends.items():
            t.add_row(
                name,
                str(r.chunks_per_s),
                f"{r.speedup}×",
                " ".join(str(x) for x in r.speedup_per_round),
                str(r.cosine_mean),
                str(r.cosine_min),
            )
        console.print(t)
    q = results.quality
    if q:
        t = Table(title="Søgekvalitet, eval/questions.jsonl (k=10)")
        for col in ("vektorer", "dense recall@5", "dense MRR@10", "hybrid recall@5",
                    "hybrid MRR@10"):  # fmt: skip
            t.add_column(col, justify="right")
        for name, r in q.items():
            cells = [str(v) for mode in ("dense", "hybrid") for v in dataclasses.astuple(r[mode])]
            t.add_row(name, *cells)
        console.print(t)
    if results.sizes:
        t = Table(title="Efter korpusstørrelse (genereret af de rigtige tekster)")
        t.add_column("")
        for n in results.sizes:
            t.add_column(f"{int(n):,}", justify="right")
        for label, fn in SIZE_ROWS:
            t.add_row(label, *(fn(r) for r in results.sizes.values()))
        console.print(t)
    if results.startup:
        t = Table(title="Opstart i en ny proces (s)")
        t.add_column("")
        for name in results.startup:
            t.add_column(name, justify="right")
        for f in dataclasses.fields(StartupResult):
            if f.name != "error":
                values = (getattr(r, f.name) for r in results.startup.values())
                t.add_row(f.name, *("–" if v is None else str(v) for v in values))
        console.print(t)
        for name, r in results.startup.items():
            if r.error:
                console.print(f"[red]Opstart, {name}:[/] {r.error}")
    a = results.add_document
    if a:
        console.print(
            f"[bold]Ét dokument til et indeks med {a.index_chunks_before:,} tekststykker:[/] "
            f"{a.seconds} s i alt, {a.chunks_embedded} tekststykker embedded "
            f"({a.embed_seconds} s), resten {a.rest_seconds} s "
            f"(indlæs, BM25, skriv); inkrementelt: {a.incremental}"
        )
    sv = results.synthetic_vectors
    if sv:
        console.print(
            f"Vektorer: {sv.real_generated_chunks} genererede tekststykker embedded for "
            f"rigtigt; resten syntetiske (middel af sætningsvektorer + støj), cosinus til de "
            f"rigtige: middel {sv.synthetic_vs_real_cosine_mean}, "
            f"min {sv.synthetic_vs_real_cosine_min}."
        )


def _ms(r: SizeResult, part: str) -> str:
    s = r.search_ms[part]
    return f"{s.p50} / {s.p95}"


SIZE_ROWS: list[tuple[str, Callable[[SizeResult], str]]] = [
    ("tekststykker", lambda r: f"{r.chunks:,}"),
    ("rigtige / syntetiske vektorer", lambda r: f"{r.real_vectors:,} / {r.synthetic_vectors:,}"),
    ("dense-indeks (automatisk)", lambda r: r.dense_index),
    ("søgning i alt p50 / p95 ms", lambda r: _ms(r, "total")),
    ("  spørgsmål-embedding", lambda r: _ms(r, "embed")),
    ("  FAISS", lambda r: _ms(r, "faiss")),
    ("  BM25 (ord + n-gram)", lambda r: _ms(r, "bm25")),
    ("  fusion", lambda r: _ms(r, "fusion")),
    ("eksakt / HNSW p50 ms", lambda r: f"{r.dense.flat_p50_ms} / {r.dense.hnsw_p50_ms}"),
    ("eksakt med alle tråde p50 ms", lambda r: str(r.dense.flat_all_threads_p50_ms)),
    (
        "HNSW recall@10 / @100",
        lambda r: f"{r.dense.hnsw_recall_at_10} / {r.dense.hnsw_recall_at_100}",
    ),
    ("HNSW bygges s", lambda r: str(r.dense.hnsw_build_s)),
    (
        "BM25 top: alle scoret / Tantivy top-k ms",
        lambda r: f"{r.bm25_top.argsort_p50_ms} / {r.bm25_top.top_rows_p50_ms}",
    ),
    ("byg uden embedding s", lambda r: str(r.build_s_without_embedding)),
    ("byg: højeste RSS MB", lambda r: f"{r.build_peak_rss_mb:.0f}"),
    ("indlæs s", lambda r: str(r.load_s)),
    ("RSS indeks / proces MB", lambda r: f"{r.rss_index_mb:.0f} / {r.rss_process_mb:.0f}"),
    (
        "disk MB (vektorer, HNSW, BM25)",
        lambda r: f"{r.disk.total_mb} ({r.disk.vectors_mb}, {r.disk.ann_mb}, {r.disk.lexical_mb})",
    ),
]
