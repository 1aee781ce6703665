"""Incremental build: embed only new and changed documents, write them as one new
segment, hide the replaced and removed ones, and swap the new generation in atomically.

The cost of a build follows the change, not the library (index/segment.py,
index/incremental.py): unchanged segments are hard-linked, BM25 statistics are
combined at query time, the HNSW graph is extended. Only the calibration (a sample
of the whole index) and reading the vectors and records of the live passages for it
grow with the library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import faiss
import numpy as np

from base.errors import CasechatError
from base.settings import Settings
from index import ann
from index.analyze import ANALYZER_VERSION
from index.ann import AnnParams
from index.encoder import Embedder, backend_of
from index.generation import Generation, LiveSegment
from index.incremental import Reuse, legacy_vectors, plan_graph, to_merge
from index.lexical_write import FOLDER as LEXICAL_FOLDER
from index.lexical_write import LexicalState, write_lexical
from index.lexical_write import files as lexical_files
from index.manifest import Manifest, now
from index.segment import Segment, merge_segments, new_name, write_segment
from index.store import (
    GenerationWriter,
    Snapshot,
    build_lock,
    check_compatible,
    open_generation,
    passage_texts,
    pause_point,
    swap_in,
)
from ingest.chunk import chunk_document
from ingest.document import Chunk, Document
from ingest.filestat import StatCache
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
    segments: int = 0  # segments of the new generation
    merged: int = 0  # old segments rewritten as one by this build
    graph: str = ""  # what happened to the HNSW graph: none, link, extend, rebuild

    def summary(self) -> str:
        return (
            f"{len(self.added)} tilføjet, {len(self.updated)} opdateret, "
            f"{len(self.removed)} fjernet, {len(self.unchanged)} uændret; "
            f"{self.chunks_embedded} tekststykker embedded, {self.chunks_total} i alt; "
            f"{self.seconds:.1f} s"
        )


def _previous(
    settings: Settings, embedder: Embedder, full: bool, verify: bool
) -> Generation | None:
    """The live index, if it can be extended; None means build from scratch."""
    if full:
        return None
    try:
        old = open_generation(settings.index_dir, verify=verify)
        check_compatible(old.manifest, embedder.name, settings.chunking, backend_of(embedder))
    except CasechatError:
        return None  # missing, damaged, built differently or an older layout: start over
    return old if old.manifest.dim == embedder.dim else None


#: Measures a new index for the answer layer at build time (answer/build.py passes one):
#: (embedder, live ids, their texts, the flat index, the new index as a Snapshot, made on
#: demand) -> what the manifest keeps as `calibration`. The index floor does not know
#: what is measured.
Measure = Callable[
    [Embedder, np.ndarray, Callable[[list[int]], dict], faiss.Index, Callable[[], Snapshot]],
    dict,
]


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    full: bool = False,
    progress: Progress | None = None,
    ann_params: AnnParams | None = None,
    verify: bool = False,
    ocr_progress: Progress | None = None,
    measure: Measure | None = None,
) -> BuildReport:
    """Bring the index in line with the corpus folder; see the module docstring.

    ``measure`` (answer/build.py) measures the new index for the answer layer; without
    it the manifest's ``calibration`` is empty.

    ``verify`` checks the old index's checksums before extending it (else sizes only);
    a damaged old index is rebuilt from scratch. ``full`` and ``verify`` also read and
    hash every corpus file; otherwise files whose stat is unchanged since the last build
    are not read (ingest/filestat.py).
    """
    started = time.perf_counter()
    report = BuildReport()
    with build_lock(settings.index_dir):
        old = _previous(settings, embedder, full, verify)
        report.full = old is None
        old_docs = old.manifest.documents if old else {}
        old_readers = old.manifest.readers if old else {}
        stats = StatCache.load(old.path) if old and not verify else StatCache()
        sources, report.problems = scan_corpus(
            settings.corpus_dir, indexed=old_docs.keys(), stats=stats
        )

        kept: dict[str, tuple[str, str]] = {}  # unchanged source -> (sha256, reader)
        documents: list[Document] = []  # new and changed
        fresh: list[Chunk] = []
        for src in sources:
            previous = old_docs.get(src.source)
            # A document is unchanged when its bytes are and its reader's version is.
            read_by = old_readers.get(src.source, "") if previous else ""
            if previous is not None and previous == src.sha256 and read_by == src.reader:
                report.unchanged.append(src.source)
                kept[src.source] = (previous, read_by)
                continue
            try:
                doc = to_document(src, on_page=ocr_progress)  # (pages done, pages) of OCR
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
        current = set(kept) | {d.source for d in documents}
        report.removed = sorted(s for s in old_docs if s not in current)
        # An index from before the keyword index moved to Tantivy has none yet: write it.
        no_keywords = old is not None and not old.manifest.lexical
        report.changed = bool(report.added or report.updated or report.removed or not old)
        # An index measured by another answer layer (its `measured_by` is not `measure.version`,
        # answer/build.py) is measured again: a new generation, no passage embedded again.
        remeasure = (
            old is not None
            and measure is not None
            and old.manifest.calibration.get("measured_by") != getattr(measure, "version", None)
        )
        report.changed = report.changed or no_keywords or remeasure
        if not report.changed:
            if old and stats.changed:
                stats.save(old.path)  # a cache beside the index, not part of it
            report.chunks_total = old.n_live if old else 0
            report.seconds = time.perf_counter() - started
            return report

        # Content-hash cache: a passage whose embedded text is unchanged keeps its vector.
        legacy = {} if old else _legacy(settings, embedder, full)
        reuse = Reuse.of(old, legacy)
        cached = [c for c in fresh if c in reuse]
        todo = [c for c in fresh if c not in reuse]

        def embedding(done: int, total: int) -> None:
            pause_point("embedding")  # test hook: some passages are embedded, none written
            if progress:
                progress(done, total)

        vectors = embedder.embed_documents([c.embed_text() for c in todo], progress=embedding)
        report.chunks_embedded = len(todo)
        report.chunks_reused = len(cached)
        by_key = dict(zip([id(c) for c in todo], vectors, strict=True))
        if cached:
            by_key.update(zip([id(c) for c in cached], reuse.vectors(cached), strict=True))
        fresh_vectors = (
            np.stack([by_key[id(c)] for c in fresh])
            if fresh
            else np.zeros((0, embedder.dim), np.float32)
        )
        del by_key, vectors

        writer = GenerationWriter(settings.index_dir, old)
        segments, removed_ids = _old_segments(old, set(report.updated) | set(report.removed))
        if documents:
            name = new_name()
            files = write_segment(
                writer.segment_folder(name), name, documents, fresh, fresh_vectors
            )
            segments.append(LiveSegment(Segment.open(writer.segment_folder(name)), []))
            writer.add_segment(name, files)
        added_ids = np.array([c.chunk_id for c in fresh], np.int64)
        segments = _merge(writer, segments, report)
        report.segments = len(segments)
        lexical = _write_lexical(writer, old, segments, fresh, report, len(removed_ids))
        del fresh

        manifest = Manifest(
            app_version="",
            model=embedder.name,
            dim=embedder.dim,
            chunking=settings.chunking.as_dict(),
            analyzer_version=ANALYZER_VERSION,
            backend=backend_of(embedder),
            documents=dict(
                sorted(
                    {
                        **{s: v[0] for s, v in kept.items()},
                        **{d.source: d.sha256 for d in documents},
                    }.items()
                )
            ),
            readers=dict(
                sorted(
                    {
                        **{s: v[1] for s, v in kept.items()},
                        **{d.source: d.reader for d in documents},
                    }.items()
                )
            ),
            created_at=old.manifest.created_at if old else now(),
            updated_at=now(),
            lexical=lexical.as_dict(),
            vectors=f"faiss {faiss.__version__}",
        )
        new = Generation(writer.tmp, manifest, segments)
        order = new.order()
        index = new.flat_index(order)
        live_ids = faiss.vector_to_array(index.id_map)

        def snapshot() -> Snapshot:
            return Snapshot(
                writer.tmp,
                manifest,
                index,
                new.chunks(order),
                new.documents(),
                new.lexical(order),
            )

        manifest.calibration = (
            measure(embedder, live_ids, lambda ids: passage_texts(new, ids), index, snapshot)
            if measure is not None
            else {}
        )
        report.chunks_total = manifest.n_chunks = len(live_ids)

        ann_started = time.perf_counter()
        params = ann_params or AnnParams()
        plan = plan_graph(old, params, index.ntotal, removed_ids, added_ids)
        report.graph = plan.action
        manifest.ann_deleted = plan.deleted
        if plan.action == "rebuild":
            writer.graph(ann.build_hnsw(index, params))
        elif plan.action == "extend" and old is not None:
            graph = ann.extend(ann.load(old.path), fresh_vectors, added_ids)
            writer.graph(graph)
        elif plan.action == "link":
            writer.graph(None, link=True)
        report.ann_seconds = time.perf_counter() - ann_started
        stats.save(writer.tmp)
        generation = writer.finish(manifest)
        pause_point("swap")  # the new generation is complete, not yet live
        swap_in(settings.index_dir, generation)
        report.seconds = time.perf_counter() - started
        return report


def _legacy(settings: Settings, embedder: Embedder, full: bool) -> dict:
    """Reusable vectors of an index in the previous layout (not for ``--full``)."""
    if full:
        return {}
    return legacy_vectors(settings.index_dir, embedder.name, backend_of(embedder), embedder.dim)


def _write_lexical(
    writer: GenerationWriter,
    old: Generation | None,
    segments: list[LiveSegment],
    fresh: list[Chunk],
    report: BuildReport,
    deleted_passages: int,
) -> LexicalState:
    """The new generation's Tantivy index: the previous one with the changed and removed
    documents deleted and the new passages added (or written anew, index/lexical_write.py)."""
    state = LexicalState.from_dict(old.manifest.lexical) if old else None
    previous = old.path / LEXICAL_FOLDER if old and state else None

    def everything():
        for live in segments:
            for chunk in live.segment.chunks(np.flatnonzero(live.mask)):
                yield chunk.chunk_id, chunk.source, chunk.embed_text()
        pause_point("lexical")  # test hook: passages handed to Tantivy, not committed

    def added():
        yield from ((c.chunk_id, c.source, c.embed_text()) for c in fresh)
        pause_point("lexical")

    new = write_lexical(
        writer.tmp / LEXICAL_FOLDER,
        previous,
        state,
        set(report.updated) | set(report.removed),
        deleted_passages,
        added(),
        everything,
    )
    writer.adopt_folder(LEXICAL_FOLDER, lexical_files(writer.tmp / LEXICAL_FOLDER))
    return new


def _old_segments(old: Generation | None, gone: set[str]) -> tuple[list[LiveSegment], np.ndarray]:
    """The old segments with the changed and removed documents marked deleted (fully
    deleted segments dropped), and the chunk ids that were deleted."""
    out, removed = [], []
    for live in old.segments if old else []:
        hit = [s for s in live.live_documents if s in gone]
        if hit:
            ids = live.segment.ids()
            for source in hit:
                lo, hi = live.segment.documents[source]
                removed.append(ids[lo:hi])
        updated = LiveSegment(live.segment, live.deleted + hit)
        if updated.live_documents:
            out.append(updated)
    ids = np.concatenate(removed) if removed else np.zeros(0, np.int64)
    return out, ids


def _merge(
    writer: GenerationWriter, segments: list[LiveSegment], report: BuildReport
) -> list[LiveSegment]:
    """Rewrite the segments the merge policy picks as one; link the others."""
    picked = to_merge(segments)
    report.merged = len(picked)
    out = []
    for i, live in enumerate(segments):
        if i not in picked and not writer.is_new(live.segment.name):
            writer.link_segment(live)
        if i not in picked:
            out.append(live)
    if picked:
        name = new_name()
        parts = [(segments[i].segment, segments[i].deleted) for i in picked]
        files = merge_segments(writer.segment_folder(name), name, parts)
        for i in picked:
            writer.drop_segment(segments[i].segment.name)
        writer.add_segment(name, files)
        out.append(LiveSegment(Segment.open(writer.segment_folder(name)), []))
    writer.order_refs([s.segment.name for s in out])
    return out
