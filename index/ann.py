"""Approximate dense search for large indexes: an HNSW graph built from the flat index.

The flat vectors (stored per segment, index/segment.py) stay the source of truth:
exact reconstruction, exact filtered search. HNSW cannot delete, so a build that
reaches :attr:`AnnParams.threshold` vectors *extends* the previous graph with the
new passages (``add_with_ids``) and leaves removed ones in it, listed in the
manifest (``ann_deleted``) and filtered out at search time by :class:`LiveGraph`;
the graph is rebuilt from the live vectors only when that deleted share passes
:attr:`AnnParams.rebuild_deleted_share` (or an id would be ambiguous). Below the
threshold an exact scan is fast enough and exact beats approximate.

The defaults are measured (``casechat bench``, bench/RESULTS.md): an exact scan
costs ~0.15 ms per 1k vectors on one thread (15 ms at 100k), an HNSW search ~1-4 ms.
At 100k recombined-corpus vectors (near-ties: the 10th and 11th best differ by
~0.0003 in median) efSearch=256 found 0.95 of the exact top 10, 512 found 0.98 and
1024 found 0.99, so 768 is the default. Building the graph costs ~35-65 s at 100k on 2
cores; extending it by one document's passages costs milliseconds plus rewriting the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

FLAT = "flat"
HNSW = "hnsw"
ANN_FILE = "ann.faiss"


@dataclass(frozen=True)
class AnnParams:
    """When to add an HNSW graph, and how it is built and searched."""

    threshold: int = 50_000  # vectors; at and above this a graph is built
    m: int = 32  # graph neighbours per node: more = better recall, more memory
    ef_construction: int = 80
    ef_search: int = 768  # candidates kept while searching (raised to k if k is larger)
    rebuild_deleted_share: float = 0.2  # rebuild when this share of the graph is deleted

    def choose(self, n_vectors: int) -> str:
        """The dense index kind for an index of this size."""
        return HNSW if n_vectors >= self.threshold else FLAT


def flat_contents(flat: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) stored in an ``IndexIDMap2(IndexFlatIP)``."""
    ids = faiss.vector_to_array(flat.id_map).astype(np.int64)
    return ids, flat.index.reconstruct_n(0, flat.ntotal)


def build_hnsw(flat: faiss.Index, params: AnnParams | None = None) -> faiss.Index:
    """An HNSW graph over the flat index's vectors, answering with the same int64 ids.

    Inner product on unit vectors is cosine, as in the flat index, so scores agree.
    """
    params = params or AnnParams()
    ids, vectors = flat_contents(flat)
    graph = faiss.IndexHNSWFlat(flat.d, params.m, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = params.ef_construction
    graph.hnsw.efSearch = params.ef_search
    index = faiss.IndexIDMap(graph)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building does use every core
    try:
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    finally:
        faiss.omp_set_num_threads(before)
    return index


def ann_for(flat: faiss.Index, params: AnnParams | None = None) -> tuple[str, faiss.Index | None]:
    """(kind, graph) to store beside the flat index: (``flat``, None) below the threshold."""
    params = params or AnnParams()
    kind = params.choose(flat.ntotal)
    return (kind, build_hnsw(flat, params)) if kind == HNSW else (kind, None)


def extend(graph: faiss.Index, vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    """Append passages to an existing graph (in place; returns it)."""
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        if len(ids):
            graph.add_with_ids(np.ascontiguousarray(vectors, np.float32), ids)
    finally:
        faiss.omp_set_num_threads(before)
    return graph


class LiveGraph:
    """An HNSW graph that hides the chunk ids deleted since it was built.

    Answers ``search(x, k)`` like a faiss index (the search calls nothing else), with
    the deleted ids filtered inside the graph walk (faiss ``IDSelectorNot``), so a
    search still returns k live passages. ``ntotal`` counts live vectors only.
    """

    def __init__(self, index: faiss.Index, deleted: np.ndarray | None = None) -> None:
        self.index = index
        self.deleted = np.unique(np.asarray(deleted if deleted is not None else [], np.int64))
        self.d = index.d
        self.ntotal = index.ntotal - len(self.deleted)
        self.ef_search = faiss.downcast_index(index.index).hnsw.efSearch
        self._batch = faiss.IDSelectorBatch(self.deleted) if len(self.deleted) else None
        self._not = faiss.IDSelectorNot(self._batch) if self._batch is not None else None

    def search(self, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if self._not is None:
            return self.index.search(x, k)
        params = faiss.SearchParametersHNSW()
        params.sel = self._not
        params.efSearch = max(self.ef_search, k)
        return self.index.search(x, k, params=params)


def save(index: faiss.Index, folder: Path) -> None:
    faiss.write_index(index, str(folder / ANN_FILE))


def load(folder: Path, ef_search: int | None = None, mmap: bool = False) -> faiss.Index:
    """Read the stored graph; ``ef_search`` overrides the stored search depth.

    ``mmap`` (for searching only, never for extending): the vectors stay in the file,
    memory-mapped in place (faiss ``IO_FLAG_MMAP_IFC``), so loading reads the graph's
    links but not the vectors, and processes on one machine share their pages."""
    path = str(folder / ANN_FILE)
    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None) if mmap else None
    try:
        index = faiss.read_index(path, flag) if flag is not None else faiss.read_index(path)
    except RuntimeError:  # a faiss that cannot map this index type: read it whole
        index = faiss.read_index(path)
    if ef_search is not None:
        faiss.downcast_index(index.index).hnsw.efSearch = ef_search
    return index


def recall_at_k(exact: faiss.Index, approx: faiss.Index, queries: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-k ids that the approximate index also returns in its top k."""
    _, truth = exact.search(queries, k)
    _, found = approx.search(queries, k)
    hits = sum(len(set(t[t >= 0]) & set(f[f >= 0])) for t, f in zip(truth, found, strict=True))
    total = sum(int((t >= 0).sum()) for t in truth)
    return hits / total if total else 1.0


def single_thread_queries() -> None:
    """Answer one question per call on one OpenMP thread.

    A single query vector gains nothing from threads, but on a busy 2-core machine
    faiss's OpenMP barrier waits for a descheduled thread: measured 31 ms instead of
    0.8 ms per query on 10k vectors. Graph building raises the count again.
    """
    faiss.omp_set_num_threads(1)
