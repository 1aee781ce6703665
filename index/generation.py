"""A generation's segments, put together into what the search and the build use.

Rows are laid out in *canonical order*: live documents sorted by source, each
document's passages in their order. That is the order a full build writes, so an
index built in many small steps keeps the same row order, and therefore the same
tie-breaking in FAISS and BM25, as one built in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.ann import LiveGraph
from index.ann import load as load_graph
from index.lexical import ENGINE, LexicalIndex
from index.lexical_write import FOLDER as LEXICAL_FOLDER
from index.lexical_write import LexicalState
from index.manifest import Manifest
from index.segment import Segment
from ingest.document import Chunk, Document

SEGMENTS = "segments"


@dataclass
class LiveSegment:
    """A segment as one generation sees it: with the documents deleted since."""

    segment: Segment
    deleted: list[str]

    @property
    def mask(self) -> np.ndarray:
        return self.segment.live_mask(self.deleted)

    @property
    def live_documents(self) -> dict[str, tuple[int, int]]:
        gone = set(self.deleted)
        return {s: span for s, span in self.segment.documents.items() if s not in gone}

    @property
    def deleted_share(self) -> float:
        rows = self.segment.rows
        return 1.0 - float(self.mask.sum()) / rows if rows else float(bool(self.deleted))


@dataclass
class Generation:
    """The segments of one generation folder (opened, nothing big read yet)."""

    path: Path
    manifest: Manifest
    segments: list[LiveSegment]

    @classmethod
    def open(cls, path: Path, manifest: Manifest) -> Generation:
        segments = [
            LiveSegment(Segment.open(path / SEGMENTS / ref["name"]), list(ref.get("deleted", [])))
            for ref in manifest.segments
        ]
        return cls(path, manifest, segments)

    @property
    def n_live(self) -> int:
        return sum(int(s.mask.sum()) for s in self.segments)

    def order(self) -> np.ndarray:
        """Canonical position of each live row, rows taken segment by segment."""
        spans = []  # (source, segment index, first row, end row)
        for i, live in enumerate(self.segments):
            spans.extend((src, i, lo, hi) for src, (lo, hi) in live.live_documents.items())
        spans.sort()
        masks = [s.mask for s in self.segments]
        starts = np.cumsum([0] + [int(m.sum()) for m in masks])
        ranks = [np.cumsum(m) - 1 for m in masks]
        order = np.zeros(int(starts[-1]), np.int64)
        position = 0
        for _, i, lo, hi in spans:
            order[starts[i] + ranks[i][lo:hi]] = np.arange(position, position + hi - lo)
            position += hi - lo
        return order

    def ids_and_vectors(self, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the live passages in canonical order."""
        dim = self.manifest.dim
        ids = np.zeros(len(order), np.int64)
        vectors = np.zeros((len(order), dim), np.float32)
        start = 0
        for live in self.segments:
            mask = live.mask
            n = int(mask.sum())
            at = order[start : start + n]
            seg_vectors = live.segment.vectors()
            if seg_vectors.shape != (live.segment.rows, dim):
                raise ValueError(f"segment {live.segment.name}: vectors do not fit")
            ids[at] = live.segment.ids()[mask]
            vectors[at] = seg_vectors[mask]
            start += n
        return ids, vectors

    def flat_index(self, order: np.ndarray) -> faiss.Index:
        ids, vectors = self.ids_and_vectors(order)
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.manifest.dim))
        if len(ids):
            index.add_with_ids(vectors, ids)
        return index

    def chunks(self, order: np.ndarray) -> dict[int, Chunk]:
        """Live passages by chunk id, in canonical order."""
        placed: list[Chunk | None] = [None] * len(order)
        start = 0
        for live in self.segments:
            rows = np.flatnonzero(live.mask)
            for at, chunk in zip(order[start : start + len(rows)], live.segment.chunks(rows)):
                placed[int(at)] = chunk
            start += len(rows)
        return {c.chunk_id: c for c in placed if c is not None}

    def documents(self) -> dict[str, Document]:
        """Live documents by source, sorted by source."""
        found: dict[str, Document] = {}
        for live in self.segments:
            keep = live.live_documents
            found.update((d.source, d) for d in live.segment.document_list() if d.source in keep)
        return {s: found[s] for s in sorted(found)}

    def live_ids(self, order: np.ndarray) -> np.ndarray:
        """Chunk ids of the live passages in canonical order."""
        ids = np.zeros(len(order), np.int64)
        start = 0
        for live in self.segments:
            mask = live.mask
            n = int(mask.sum())
            ids[order[start : start + n]] = live.segment.ids()[mask]
            start += n
        return ids

    def lexical(self, order: np.ndarray) -> LexicalIndex:
        """The Tantivy keyword index (memory-mapped), rows in canonical order."""
        state = LexicalState.from_dict(self.manifest.lexical)
        if state is None or state.engine != ENGINE:
            raise ValueError("the keyword index is missing or of another engine")
        folder = self.path / LEXICAL_FOLDER
        return LexicalIndex.open(folder, self.live_ids(order), state.deleted)

    def graph(self) -> LiveGraph | None:
        if self.manifest.ann == "flat":
            return None
        graph = load_graph(self.path, mmap=True)
        return LiveGraph(graph, np.asarray(self.manifest.ann_deleted, np.int64))
