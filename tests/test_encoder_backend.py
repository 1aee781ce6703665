"""The embedding backend: chosen by one environment variable, recorded in the index,
never mixed (an index built by one backend refuses queries from another)."""

from __future__ import annotations

from pathlib import Path

import pytest

from answer.build import build_index
from answer.search import Searcher
from base.errors import IndexMismatchError, ModelError
from base.settings import (
    BACKEND_ENV,
    BACKEND_ONNX_FP32,
    BACKEND_ONNX_INT8,
    Settings,
    selected_backend,
)
from index.encoder import HashingEmbedder, backend_of
from index.store import load_snapshot


def test_selected_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert selected_backend() == BACKEND_ONNX_FP32
    monkeypatch.setenv(BACKEND_ENV, BACKEND_ONNX_INT8)
    assert selected_backend() == BACKEND_ONNX_INT8
    monkeypatch.setenv(BACKEND_ENV, "gpu-magic")
    with pytest.raises(ModelError, match="onnx-fp32"):
        selected_backend()


class BackendEmbedder(HashingEmbedder):
    """The fake embedder with a backend name, to test that backends are never mixed."""

    def __init__(self, backend: str) -> None:
        super().__init__()
        self.backend = backend


def test_index_records_backend_and_refuses_queries_from_another(
    tmp_path: Path, corpus_copy: Path
) -> None:
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="hashing")
    build_index(settings, BackendEmbedder(BACKEND_ONNX_INT8))
    snapshot = load_snapshot(settings.index_dir)
    assert snapshot.manifest.backend == BACKEND_ONNX_INT8
    Searcher(snapshot, BackendEmbedder(BACKEND_ONNX_INT8))  # same backend: fine
    with pytest.raises(IndexMismatchError, match="CASECHAT_EMBED_BACKEND=onnx-int8"):
        Searcher(snapshot, BackendEmbedder(BACKEND_ONNX_FP32))


def test_switching_backend_rebuilds_every_vector(tmp_path: Path, corpus_copy: Path) -> None:
    settings = Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="hashing")
    first = build_index(settings, BackendEmbedder(BACKEND_ONNX_FP32))
    same = build_index(settings, BackendEmbedder(BACKEND_ONNX_FP32))
    assert not same.changed
    other = BackendEmbedder(BACKEND_ONNX_INT8)
    report = build_index(settings, other)
    assert report.full and report.chunks_embedded == first.chunks_total
    assert len(other.documents_seen) == first.chunks_total


def test_backend_of_names_the_runtime_and_is_empty_for_fakes() -> None:
    assert backend_of(HashingEmbedder()) == ""
    assert backend_of(BackendEmbedder(BACKEND_ONNX_INT8)) == BACKEND_ONNX_INT8
