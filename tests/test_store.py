"""The index on disk: refusing what does not fit, detecting damage, swapping atomically."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import VIBORG

import index.build
from answer.build import build_index
from answer.search import Searcher
from base.errors import (
    BuildLockedError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from base.settings import Chunking, Settings
from index.encoder import HashingEmbedder
from index.manifest import MANIFEST
from index.store import CURRENT, build_lock, current_path, load_snapshot

QUESTIONS = ["velfærdsteknologisk CV på bostederne", "lederskab og digitalisering i Viborg"]


def answers(settings: Settings) -> list[list[tuple[int, float]]]:
    """What the live index answers to a few questions: ids and scores, every mode."""
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    searcher = Searcher(snapshot, HashingEmbedder())
    return [
        [(h.chunk.chunk_id, round(h.score, 6)) for h in searcher.search(q, k=5, mode=m).hits]
        for q in QUESTIONS
        for m in ("dense", "bm25", "hybrid")
    ]


def live(settings: Settings) -> Path:
    path = current_path(settings.index_dir)
    assert path is not None
    return path


def seg(settings: Settings) -> Path:
    """The (first) segment folder of the live generation."""
    return sorted((live(settings) / "segments").iterdir())[0]


# --- refusing an index that does not fit -----------------------------------------------


def test_missing_index_says_to_run_build(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match=r"`casechat build`"):
        load_snapshot(tmp_path / "index")


def test_pointer_to_a_vanished_generation_is_a_missing_index(built: Settings) -> None:
    shutil.rmtree(live(built))
    with pytest.raises(IndexMissingError, match=r"casechat build"):
        load_snapshot(built.index_dir)


def test_index_of_another_model_is_refused_with_the_fix(built: Settings) -> None:
    with pytest.raises(IndexMismatchError, match=r"`casechat build --full`") as info:
        load_snapshot(built.index_dir, model="multilingual-e5-small")
    assert "'hashing'" in str(info.value) and "'multilingual-e5-small'" in str(info.value)


def test_index_of_other_chunking_is_refused_with_the_fix(built: Settings) -> None:
    with pytest.raises(IndexMismatchError, match=r"`casechat build --full`"):
        load_snapshot(built.index_dir, model="hashing", chunking=Chunking(size=500))
    with pytest.raises(IndexMismatchError):
        load_snapshot(built.index_dir, chunking=Chunking(header_version=2))


@pytest.mark.parametrize(("field", "value"), [("schema_version", 999), ("analyzer_version", 999)])
def test_index_of_other_schema_or_analyzer_is_refused(
    built: Settings, field: str, value: int
) -> None:
    path = live(built) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest[field] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"`casechat build --full`"):
        load_snapshot(built.index_dir)


# --- damage is found by checksum, never surfaces as a raw FAISS error ------------------


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def scribble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for i in range(0, len(data), 7):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [truncate, scribble])
@pytest.mark.parametrize(
    "name",
    [
        "vectors.npy",
        "chunks.jsonl",
        "documents.jsonl",
        "ids.npy",
        "../../lexical/meta.json",  # Tantivy's: the segment list
        "../../lexical/*.idx",  # Tantivy's postings
    ],
)
def test_damaged_file_is_index_corrupt_error(built: Settings, name: str, damage) -> None:
    (path,) = seg(built).glob(name) if "*" in name else [seg(built) / name]
    name = path.name
    damage(path)
    # a truncated file is caught by its size on every load; bytes changed in place
    # (same size) by the checksums, verified on request
    with pytest.raises(IndexCorruptError, match=r"casechat build --full") as info:
        load_snapshot(built.index_dir, model="hashing", verify=damage is scribble)
    assert name in str(info.value)  # the checksum names the damaged file


@pytest.mark.parametrize("damage", [truncate, scribble])
@pytest.mark.parametrize("name", ["vectors.npy", "chunks.jsonl"])
def test_damage_without_checksums_is_still_index_corrupt_error(
    built: Settings, name: str, damage
) -> None:
    # the loader's own guard, for a damaged file that slips past the checksums
    damage(seg(built) / name)
    with pytest.raises(IndexCorruptError, match=r"casechat build --full"):
        load_snapshot(built.index_dir, verify=False)


def test_chunks_file_cut_at_a_line_boundary_is_caught(built: Settings) -> None:
    path = seg(built) / "chunks.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-3]), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="chunks.jsonl"):
        load_snapshot(built.index_dir)  # its size
    # with the recorded size made to fit, the loader's own count still refuses it
    manifest_path = live(built) / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rel = path.relative_to(live(built)).as_posix()
    manifest["sizes"][rel] = path.stat().st_size
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="build --full"):
        load_snapshot(built.index_dir, verify=False)


def test_missing_index_file_is_index_corrupt_error(built: Settings) -> None:
    (seg(built) / "vectors.npy").unlink()
    with pytest.raises(IndexCorruptError, match="vectors.npy"):
        load_snapshot(built.index_dir)


@pytest.mark.parametrize("content", ["", "{not json", '{"model": "hashing"}', "[]"])
def test_damaged_manifest_is_index_corrupt_error(built: Settings, content: str) -> None:
    (live(built) / MANIFEST).write_text(content, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"casechat build --full"):
        load_snapshot(built.index_dir)


def test_build_over_a_damaged_index_starts_over(built: Settings) -> None:
    truncate(seg(built) / "vectors.npy")
    report = build_index(built, HashingEmbedder())
    assert report.full and report.chunks_embedded == report.chunks_total > 0
    load_snapshot(built.index_dir, model="hashing")


# --- the atomic swap --------------------------------------------------------------------


def test_build_that_dies_before_the_swap_leaves_the_old_index_live(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_path, before_answers = live(built), answers(built)
    path = built.corpus_dir / VIBORG
    path.write_text(path.read_text(encoding="utf-8") + "\n\nEt nyt afsnit.\n", encoding="utf-8")

    def die(index_dir: Path, generation: Path) -> None:
        raise KeyboardInterrupt("killed between writing and swapping")

    # build.py imported swap_in by name, so the name in index.build is the one it calls
    monkeypatch.setattr(index.build, "swap_in", die)
    with pytest.raises(KeyboardInterrupt):
        build_index(built, HashingEmbedder())
    orphans = [p for p in built.index_dir.glob("gen-*") if p != before_path]
    assert len(orphans) == 1, "the dead build wrote a complete generation"

    assert live(built) == before_path
    assert answers(built) == before_answers
    monkeypatch.undo()

    report = build_index(built, HashingEmbedder())
    assert report.updated == [VIBORG]
    assert not orphans[0].exists(), "the next build tidies the orphan"
    assert {p.name for p in built.index_dir.glob("gen-*")} == {before_path.name, live(built).name}
    assert not list(built.index_dir.glob("*.tmp"))


def test_build_that_dies_while_writing_leaves_the_old_index_live(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before_path, before_answers = live(built), answers(built)
    (built.corpus_dir / VIBORG).unlink()

    def die(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("index.store.Manifest.save", die)
    with pytest.raises(OSError):
        build_index(built, HashingEmbedder())
    assert live(built) == before_path and answers(built) == before_answers
    assert list(built.index_dir.glob("gen-*.tmp")), "a half-written generation stays aside"
    monkeypatch.undo()

    build_index(built, HashingEmbedder())
    assert not list(built.index_dir.glob("gen-*.tmp"))
    assert VIBORG not in load_snapshot(built.index_dir).documents


def test_current_pointer_is_replaced_not_rewritten(built: Settings) -> None:
    (built.corpus_dir / VIBORG).unlink()
    inode = (built.index_dir / CURRENT).stat().st_ino
    build_index(built, HashingEmbedder())
    assert (built.index_dir / CURRENT).stat().st_ino != inode  # os.replace, a new file


def test_second_build_while_one_runs_is_refused(built: Settings) -> None:
    with build_lock(built.index_dir):
        with pytest.raises(BuildLockedError, match="Vent til den er færdig"):
            build_index(built, HashingEmbedder())
    build_index(replace(built), HashingEmbedder())  # the lock is released afterwards
