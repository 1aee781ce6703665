"""One segment of an index: the passages of some documents, written once, never changed.

    segment.json     name, rows, source -> [first row, end row) of each document
    ids.npy          int64 chunk ids, row order (a document's rows are contiguous)
    keys.npy         sha256 of each passage's embedded text (reusing vectors by content)
    vectors.npy      float32 unit vectors, row order
    chunks.jsonl     one passage record a row;  documents.jsonl  one document a line

A generation lists its segments (and per segment the documents deleted since it was
written) in its manifest and holds hard links to their files, so a build writes only
the segment of its new or changed documents; merging rewrites a few segments as one.
The keyword index is not in the segments: it is Tantivy's, one per generation
(index/lexical.py, index/lexical_write.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.records import document_from_record, document_record
from ingest.document import Chunk, Document

META = "segment.json"
_counter = 0


def new_name() -> str:
    """A segment name unique across processes and builds."""
    global _counter
    _counter += 1
    return f"seg-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{_counter}"


def embed_key(chunk: Chunk) -> bytes:
    """The content hash under which a passage's vector is reused."""
    return hashlib.sha256(chunk.embed_text().encode()).digest()


@dataclass(frozen=True)
class Segment:
    """A written segment folder, read on demand."""

    folder: Path
    name: str
    rows: int
    documents: dict[str, tuple[int, int]]  # source -> (first row, end row)

    @classmethod
    def open(cls, folder: Path) -> Segment:
        raw = json.loads((folder / META).read_text(encoding="utf-8"))
        docs = {s: (int(lo), int(hi)) for s, (lo, hi) in raw["documents"].items()}
        return cls(folder, raw["name"], int(raw["rows"]), docs)

    def live_mask(self, deleted: Sequence[str]) -> np.ndarray:
        """True for the rows of documents not deleted."""
        mask = np.ones(self.rows, bool)
        for source in deleted:
            lo, hi = self.documents[source]
            mask[lo:hi] = False
        return mask

    def ids(self) -> np.ndarray:
        return np.load(self.folder / "ids.npy")

    def keys(self) -> np.ndarray:
        return np.load(self.folder / "keys.npy")

    def vectors(self) -> np.ndarray:
        """(rows, dim) float32, memory-mapped."""
        return np.load(self.folder / "vectors.npy", mmap_mode="r")

    def chunk_records(self) -> list[dict]:
        with (self.folder / "chunks.jsonl").open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle]

    def chunks(self, rows: Sequence[int] | None = None) -> list[Chunk]:
        records = self.chunk_records()
        if len(records) != self.rows:
            raise ValueError(f"segment {self.name}: {len(records)} passages, {self.rows} rows")
        picked = records if rows is None else [records[int(r)] for r in rows]
        return [Chunk.from_record(r) for r in picked]

    def document_list(self) -> list[Document]:
        with (self.folder / "documents.jsonl").open(encoding="utf-8") as handle:
            return [document_from_record(json.loads(line)) for line in handle]


def write_segment(
    folder: Path,
    name: str,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
) -> list[str]:
    """Write a segment of these documents; `chunks` grouped by document in the same order.

    Returns the file names written (the caller checksums and fsyncs them).
    """
    folder.mkdir(parents=True)
    spans: dict[str, tuple[int, int]] = {}
    row = 0
    by_source: dict[str, int] = {}
    for chunk in chunks:
        by_source[chunk.source] = by_source.get(chunk.source, 0) + 1
    for doc in documents:
        n = by_source.get(doc.source, 0)
        spans[doc.source] = (row, row + n)
        row += n
    sources = [c.source for c in chunks]
    expected = [d.source for d in documents for _ in range(by_source.get(d.source, 0))]
    if sources != expected or len(vectors) != len(chunks):
        raise ValueError("segment: passages must be grouped by document, one vector each")
    ids = np.array([c.chunk_id for c in chunks], np.int64)
    np.save(folder / "ids.npy", ids)
    keys = np.array([embed_key(c) for c in chunks], dtype="S32")
    np.save(folder / "keys.npy", keys)
    np.save(folder / "vectors.npy", np.ascontiguousarray(vectors, np.float32))
    with (folder / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
    with (folder / "documents.jsonl").open("w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(document_record(doc), ensure_ascii=False) + "\n")
    meta = {"name": name, "rows": len(chunks), "documents": {s: list(v) for s, v in spans.items()}}
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return [META, "ids.npy", "keys.npy", "vectors.npy", "chunks.jsonl", "documents.jsonl"]


def merge_segments(
    folder: Path, name: str, parts: Sequence[tuple[Segment, Sequence[str]]]
) -> list[str]:
    """Write one segment of the live documents of several (each with its deleted sources).

    Vectors are copied, nothing is embedded again.
    """
    documents: list[Document] = []
    chunks: list[Chunk] = []
    vectors = []
    for seg, deleted in parts:
        mask = seg.live_mask(deleted)
        gone = set(deleted)
        documents.extend(d for d in seg.document_list() if d.source not in gone)
        chunks.extend(seg.chunks(np.flatnonzero(mask)))
        vectors.append(np.asarray(seg.vectors())[mask])
    dim = vectors[0].shape[1] if vectors else 0
    stacked = np.concatenate(vectors) if vectors else np.zeros((0, dim), np.float32)
    return write_segment(folder, name, documents, chunks, stacked)
