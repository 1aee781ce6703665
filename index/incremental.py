"""The parts of an incremental build that keep its cost in proportion to the change:
vectors reused by content, which segments to merge, and whether the graph is extended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index import ann
from index.ann import AnnParams
from index.generation import Generation, LiveSegment
from index.manifest import Manifest
from index.segment import embed_key
from index.store import current_path
from ingest.document import Chunk

#: Merge when there are more segments than this (small ones first) ...
MAX_SEGMENTS = 8
#: ... or when this share of a segment's passages is deleted (that segment is rewritten).
MERGE_DELETED_SHARE = 0.2


@dataclass
class Reuse:
    """Vectors of passages already embedded, by content hash: live rows of the old index."""

    rows: dict[bytes, tuple[int, int]]  # key -> (segment index, row)
    generation: Generation | None
    legacy: dict[bytes, np.ndarray]  # from an index of the previous on-disk layout

    @classmethod
    def of(cls, old: Generation | None, legacy: dict[bytes, np.ndarray]) -> Reuse:
        rows: dict[bytes, tuple[int, int]] = {}
        for i, live in enumerate(old.segments if old else []):
            keys = live.segment.keys()
            for row in np.flatnonzero(live.mask):
                rows[bytes(keys[row])] = (i, int(row))
        return cls(rows, old, legacy)

    def __contains__(self, chunk: Chunk) -> bool:
        key = embed_key(chunk)
        return key in self.rows or key in self.legacy

    def vectors(self, chunks: list[Chunk]) -> np.ndarray:
        out = []
        for chunk in chunks:
            key = embed_key(chunk)
            if key in self.rows and self.generation is not None:
                i, row = self.rows[key]
                out.append(np.asarray(self.generation.segments[i].segment.vectors()[row]))
            else:
                out.append(self.legacy[key])
        return np.stack(out).astype(np.float32)


def legacy_vectors(index_dir: Path, model: str, backend: str, dim: int) -> dict[bytes, np.ndarray]:
    """Vectors of a live index in the layout before segments (schema 1), by content hash,
    so the first build after an upgrade re-embeds nothing; {} when there is none."""
    path = current_path(index_dir)
    try:
        raw = json.loads((path / "manifest.json").read_text(encoding="utf-8")) if path else {}
        if raw.get("schema_version") != 1 or raw.get("model") != model or raw.get("dim") != dim:
            return {}
        if (raw.get("backend") or "") != backend:
            return {}
        flat = faiss.read_index(str(path / "vectors.faiss"))
        out = {}
        with (path / "chunks.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                chunk = Chunk.from_record(json.loads(line))
                out[embed_key(chunk)] = flat.reconstruct(int(chunk.chunk_id))
        return out
    except (OSError, ValueError, KeyError, RuntimeError, TypeError):
        return {}


def to_merge(segments: list[LiveSegment]) -> list[int]:
    """Indexes of the segments to rewrite as one: those with many deletions, and when
    there are too many segments, the smallest until half the limit remain."""
    picked = {i for i, s in enumerate(segments) if s.deleted_share > MERGE_DELETED_SHARE}
    rest = sorted(
        (i for i in range(len(segments)) if i not in picked),
        key=lambda i: int(segments[i].mask.sum()),
    )
    if len(rest) + (1 if picked else 0) > MAX_SEGMENTS:
        while rest and len(rest) + 1 > MAX_SEGMENTS // 2:
            picked.add(rest.pop(0))
    return sorted(picked)


@dataclass
class GraphPlan:
    """What to do with the HNSW graph: none, keep (link) it, extend it, or rebuild it."""

    action: str  # "none", "link", "extend", "rebuild"
    deleted: list[int]


def plan_graph(
    old: Generation | None,
    params: AnnParams,
    n_live: int,
    removed_ids: np.ndarray,
    added_ids: np.ndarray,
) -> GraphPlan:
    """Extend the previous graph unless it is missing, its deleted share is too large,
    or an added id is also a deleted one (the filter could not tell them apart)."""
    if params.choose(n_live) == ann.FLAT:
        return GraphPlan("none", [])
    manifest: Manifest | None = old.manifest if old else None
    if manifest is None or manifest.ann != ann.HNSW:
        return GraphPlan("rebuild", [])
    deleted = np.union1d(np.asarray(manifest.ann_deleted, np.int64), removed_ids)
    in_graph = n_live + len(deleted)
    if len(np.intersect1d(deleted, added_ids)) or len(deleted) > (
        params.rebuild_deleted_share * in_graph
    ):
        return GraphPlan("rebuild", [])
    action = "extend" if len(added_ids) else "link"
    return GraphPlan(action, [int(i) for i in deleted])
