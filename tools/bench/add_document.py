"""Adding one document to a built index: only its passages are embedded."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass

from answer.build import build_index
from tools.bench.context import RunContext
from tools.bench.corpus import generate_documents, write_corpus
from tools.bench.vectors import TimedEmbedder


@dataclass
class AddDocumentResult:
    index_chunks_before: int
    added: list[str]
    incremental: bool
    chunks_embedded: int
    texts_given_to_embedder: int
    chunks_total: int
    seconds: float
    embed_seconds: float
    rest_seconds: float  # loading the old index, rebuilding BM25, writing


def add_one_document(ctx: RunContext, n: int, chunks_before: int) -> AddDocumentResult:
    """Add one new generated document to the n-chunk index (`chunks_before` chunks as
    built) with the real fast embedder."""
    settings = ctx.settings_by_size[n]
    existing = len(list(settings.corpus_dir.glob("*.txt")))
    text, meta = generate_documents(ctx.pool, existing + 1, ctx.config.seed)[-1]
    staging = ctx.workdir / "new-doc"
    shutil.rmtree(staging, ignore_errors=True)
    path = write_corpus([(text, meta)], staging)[0]
    target = settings.corpus_dir / "added-document.txt"
    shutil.move(str(path), target)
    shutil.move(
        str(path.with_name(path.name + ".meta.json")), target.with_name(target.name + ".meta.json")
    )
    timed = TimedEmbedder(ctx.fast)
    ctx.say(f"Tilføjer ét dokument til indekset med {n:,} tekststykker")
    started = time.perf_counter()
    report = build_index(settings, timed)
    total = time.perf_counter() - started
    return AddDocumentResult(
        index_chunks_before=chunks_before,
        added=report.added,
        incremental=not report.full,
        chunks_embedded=report.chunks_embedded,
        texts_given_to_embedder=timed.documents_embedded,
        chunks_total=report.chunks_total,
        seconds=round(total, 2),
        embed_seconds=round(timed.document_seconds, 2),
        rest_seconds=round(total - timed.document_seconds, 2),
    )
