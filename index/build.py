"""Incremental build: embed only new and changed documents, then swap in atomically."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import faiss
import numpy as np

from base.errors import CasechatError
from base.settings import Settings
from index.analyze import ANALYZER_VERSION
from index.ann import AnnParams, ann_for
from index.calibrate import calibrate
from index.encoder import Embedder, backend_of
from index.lexical import LexicalIndex
from index.manifest import Manifest, now
from index.store import (
    Snapshot,
    build_lock,
    check_compatible,
    load_snapshot,
    new_flat_index,
    pause_point,
    swap_in,
    write_generation,
)
from ingest.chunk import chunk_document
from ingest.document import Chunk, Document
from ingest.pipeline import Problem, scan_corpus, to_document

Progress = Callable[[int, int], None]


@dataclass
class BuildReport:
    """What a build did, for the summary line and for tests."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    ann_seconds: float = 0.0  # building the HNSW graph (large indexes only)
    full: bool = False
    changed: bool = True

    def summary(self) -> str:
        return (
            f"{len(self.added)} tilføjet, {len(self.updated)} opdateret, "
            f"{len(self.removed)} fjernet, {len(self.unchanged)} uændret; "
            f"{self.chunks_embedded} tekststykker embedded, {self.chunks_total} i alt; "
            f"{self.seconds:.1f} s"
        )


def _embed_key(chunk: Chunk) -> str:
    return hashlib.sha256(chunk.embed_text().encode()).hexdigest()


def _previous(settings: Settings, embedder: Embedder, full: bool) -> Snapshot | None:
    """The live index, if it can be extended; None means build from scratch."""
    if full:
        return None
    try:
        snapshot = load_snapshot(settings.index_dir)
        check_compatible(snapshot.manifest, embedder.name, settings.chunking, backend_of(embedder))
    except CasechatError:
        return None  # missing, damaged or built differently: start over
    return snapshot if snapshot.manifest.dim == embedder.dim else None


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    full: bool = False,
    progress: Progress | None = None,
    ann_params: AnnParams | None = None,
) -> BuildReport:
    """Bring the index in line with the corpus folder; see the module docstring.

    Large indexes also get an HNSW graph, rebuilt from the flat vectors (index/ann.py).
    """
    started = time.perf_counter()
    report = BuildReport()
    with build_lock(settings.index_dir):
        old = _previous(settings, embedder, full)
        report.full = old is None
        old_docs = old.documents if old else {}
        sources, report.problems = scan_corpus(settings.corpus_dir, indexed=old_docs.keys())

        documents: list[Document] = []
        keep: list[Chunk] = []
        fresh: list[Chunk] = []
        for src in sources:
            previous = old_docs.get(src.source)
            # A document is unchanged when its bytes are and its reader's version is.
            read_by = old.manifest.readers.get(src.source, previous.reader) if previous else ""
            if previous is not None and previous.sha256 == src.sha256 and read_by == src.reader:
                report.unchanged.append(src.source)
                documents.append(previous)
                keep.extend(c for c in old.chunks.values() if c.source == src.source)
                continue
            try:
                doc = to_document(src)
                pieces = chunk_document(doc, settings.chunking)
            except CasechatError as exc:
                report.problems.append(Problem(src.source, str(exc)))
                continue
            except Exception as exc:  # a bug met by one odd file must not stop the others
                reason = (
                    f"filen kunne ikke renses og deles op ({type(exc).__name__}: {exc}); "
                    "det er en fejl i casechat, så send gerne filen til udviklerne"
                )
                report.problems.append(Problem(src.source, reason))
                continue
            (report.updated if previous else report.added).append(src.source)
            documents.append(doc)
            fresh.extend(pieces)
        current = {d.source for d in documents}
        report.removed = sorted(s for s in old_docs if s not in current)
        report.changed = bool(report.added or report.updated or report.removed or not old)
        if not report.changed:
            report.chunks_total = len(keep)
            report.seconds = time.perf_counter() - started
            return report

        # Content-hash cache: a passage whose embedded text is unchanged keeps its vector.
        reuse: dict[str, int] = {}
        if old:
            reuse = {_embed_key(c): c.chunk_id for c in old.chunks.values()}
        cached = [c for c in fresh if _embed_key(c) in reuse]
        todo = [c for c in fresh if _embed_key(c) not in reuse]

        def embedding(done: int, total: int) -> None:
            pause_point("embedding")  # test hook: some passages are embedded, none written
            if progress:
                progress(done, total)

        vectors = embedder.embed_documents([c.embed_text() for c in todo], progress=embedding)
        report.chunks_embedded = len(todo)
        report.chunks_reused = len(cached)

        index = _carry_over(old, keep, embedder.dim)
        if cached:
            old_vectors = np.stack([old.vector(reuse[_embed_key(c)]) for c in cached])
            index.add_with_ids(old_vectors, np.array([c.chunk_id for c in cached], np.int64))
        if todo:
            index.add_with_ids(vectors, np.array([c.chunk_id for c in todo], np.int64))

        chunks = keep + cached + todo
        lexical = LexicalIndex.build([c.chunk_id for c in chunks], [c.embed_text() for c in chunks])
        manifest = Manifest(
            app_version="",
            model=embedder.name,
            dim=embedder.dim,
            chunking=settings.chunking.as_dict(),
            analyzer_version=ANALYZER_VERSION,
            backend=backend_of(embedder),
            documents={d.source: d.sha256 for d in documents},
            readers={d.source: d.reader for d in documents},
            created_at=old.manifest.created_at if old else now(),
            updated_at=now(),
        )
        calibration = calibrate(embedder, chunks, index)
        manifest.calibration = calibration.to_dict() if calibration else {}
        ann_started = time.perf_counter()
        _, graph = ann_for(index, ann_params)
        report.ann_seconds = time.perf_counter() - ann_started
        generation = write_generation(
            settings.index_dir, manifest, index, chunks, documents, lexical, graph
        )
        pause_point("swap")  # the new generation is complete, not yet live
        swap_in(settings.index_dir, generation)
        report.chunks_total = len(chunks)
        report.seconds = time.perf_counter() - started
        return report


def _carry_over(old: Snapshot | None, keep: list[Chunk], dim: int) -> faiss.Index:
    """A copy of the old vectors of the chunks that stay; the old index is not touched."""
    index = new_flat_index(dim)
    if old is not None and keep:
        old_ids, old_vectors = old.all_vectors()
        row = {int(i): r for r, i in enumerate(old_ids)}
        ids = np.array([c.chunk_id for c in keep], dtype=np.int64)
        index.add_with_ids(old_vectors[[row[int(i)] for i in ids]], ids)
    return index
