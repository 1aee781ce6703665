"""The HNSW graph for large indexes: when it is built, how well it finds, how it is stored."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from answer.build import build_index
from answer.search import Searcher, top_rows
from base.errors import IndexCorruptError
from base.settings import Settings
from index import ann
from index.ann import AnnParams, ann_for, build_hnsw, recall_at_k
from index.encoder import HashingEmbedder
from index.store import current_path, load_snapshot, new_flat_index


def clustered(n: int, dim: int = 64, clusters: int = 50, seed: int = 0) -> np.ndarray:
    """Unit vectors in tight-ish clusters, like passages about a few topics."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vecs = centres[rng.integers(clusters, size=n)] + rng.normal(scale=0.35, size=(n, dim))
    return (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)


def flat_of(vectors: np.ndarray, ids: np.ndarray) -> faiss.Index:
    index = new_flat_index(vectors.shape[1])
    index.add_with_ids(vectors, ids)
    return index


def test_threshold_chooses_flat_below_and_hnsw_at_or_above() -> None:
    params = AnnParams(threshold=100)
    assert params.choose(0) == ann.FLAT
    assert params.choose(99) == ann.FLAT
    assert params.choose(100) == ann.HNSW
    assert params.choose(10**6) == ann.HNSW


def test_ann_for_builds_a_graph_only_above_the_threshold() -> None:
    vectors = clustered(300)
    flat = flat_of(vectors, np.arange(300, dtype=np.int64))
    assert ann_for(flat, AnnParams(threshold=301)) == (ann.FLAT, None)
    kind, graph = ann_for(flat, AnnParams(threshold=300))
    assert kind == ann.HNSW and graph is not None and graph.ntotal == 300


def test_hnsw_recall_against_exact_search_on_clustered_data() -> None:
    vectors = clustered(5000, seed=1)
    ids = np.arange(5000, dtype=np.int64) * 1_000_003 + 17  # large, sparse ids like chunk ids
    flat = flat_of(vectors, ids)
    graph = build_hnsw(flat, AnnParams())
    queries = clustered(200, seed=2)
    assert recall_at_k(flat, graph, queries, k=10) >= 0.98
    # The graph answers with the same chunk ids and the same (cosine) scores.
    s_exact, i_exact = flat.search(queries[:5], 1)
    s_graph, i_graph = graph.search(queries[:5], 1)
    assert np.array_equal(i_exact, i_graph)
    assert np.allclose(s_exact, s_graph, atol=1e-5)


def test_recall_helper_is_zero_for_a_graph_over_other_ids() -> None:
    vectors = clustered(500)
    flat = flat_of(vectors, np.arange(500, dtype=np.int64))
    other = build_hnsw(flat_of(vectors, np.arange(500, dtype=np.int64) + 10_000))
    assert recall_at_k(flat, other, vectors[:20], k=10) == 0.0


def _settings(tmp_path: Path, corpus_copy: Path) -> Settings:
    return Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="hashing")


def test_build_stores_graph_and_search_uses_it(tmp_path: Path, corpus_copy: Path) -> None:
    settings = _settings(tmp_path, corpus_copy)
    embedder = HashingEmbedder()
    report = build_index(settings, embedder, ann_params=AnnParams(threshold=1))
    generation = current_path(settings.index_dir)
    assert (generation / ann.ANN_FILE).is_file()
    snapshot = load_snapshot(settings.index_dir)
    assert snapshot.manifest.ann == ann.HNSW
    assert ann.ANN_FILE in snapshot.manifest.files  # checksummed like every other file
    assert snapshot.graph is not None and snapshot.graph.ntotal == report.chunks_total
    # Few vectors: the graph is exact, so dense results equal the flat index's.
    searcher = Searcher(snapshot, embedder)
    vec = embedder.embed_queries(["digital ledelse i kommunen"])
    order, scores = searcher._dense(vec, None)
    s_flat, i_flat = snapshot.vectors.search(vec, len(order))
    assert order == [int(i) for i in i_flat[0]]
    assert np.allclose([scores[i] for i in order], s_flat[0], atol=1e-5)


def test_small_build_has_no_graph(tmp_path: Path, corpus_copy: Path) -> None:
    settings = _settings(tmp_path, corpus_copy)
    build_index(settings, HashingEmbedder())  # default threshold is far above this corpus
    snapshot = load_snapshot(settings.index_dir)
    assert snapshot.manifest.ann == ann.FLAT and snapshot.graph is None
    assert not (current_path(settings.index_dir) / ann.ANN_FILE).exists()


def test_incremental_build_extends_the_graph_and_hides_removed_passages(
    tmp_path: Path, corpus_copy: Path
) -> None:
    settings = _settings(tmp_path, corpus_copy)
    embedder = HashingEmbedder()
    params = AnnParams(threshold=1)
    build_index(settings, embedder, ann_params=params)
    removed = sorted(corpus_copy.glob("*.txt"))[0]
    removed.unlink()
    report = build_index(settings, embedder, ann_params=params)
    assert report.removed and not report.full
    snapshot = load_snapshot(settings.index_dir)
    assert snapshot.graph is not None
    graph_ids = set(faiss.vector_to_array(snapshot.graph.index.id_map).tolist())
    live = graph_ids - set(snapshot.graph.deleted.tolist())
    assert live == set(snapshot.chunks)  # the removed document's vectors are hidden
    assert report.graph in {"link", "rebuild"}
    vec = embedder.embed_queries(["digital ledelse"])
    _, found = snapshot.graph.search(vec, len(snapshot.chunks))
    assert set(found[0].tolist()) == set(snapshot.chunks)  # never a removed passage
    # adding a document extends the graph instead of rebuilding it
    (corpus_copy / "ny.txt").write_text("Droner over skolernes tage i Viborg.\n" * 20)
    report = build_index(settings, embedder, ann_params=params)
    assert report.graph in {"extend", "rebuild"} and report.added == ["ny.txt"]
    snapshot = load_snapshot(settings.index_dir)
    assert snapshot.graph is not None and snapshot.graph.ntotal == len(snapshot.chunks)


def test_damaged_graph_file_is_refused(tmp_path: Path, corpus_copy: Path) -> None:
    settings = _settings(tmp_path, corpus_copy)
    build_index(settings, HashingEmbedder(), ann_params=AnnParams(threshold=1))
    path = current_path(settings.index_dir) / ann.ANN_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="build --full"):
        load_snapshot(settings.index_dir)


@pytest.mark.parametrize("n", [0, 5, 100, 1000])
def test_top_rows_equals_a_stable_full_sort(n: int) -> None:
    rng = np.random.default_rng(n)
    scores = rng.integers(0, 4, size=n).astype(np.float32)  # many ties
    for depth in (1, 10, 100):
        expected = np.argsort(-scores, kind="stable")[:depth]
        assert np.array_equal(top_rows(scores, depth), expected)
