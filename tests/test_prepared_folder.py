"""The shared prepared-folder helper (index/encoder/prepared.py), on a toy preparation.

Both model preparations rely on it: built beside the target, marker written last,
swapped in whole, redone when interrupted, damaged or stale.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import dead_pid

from index.encoder import prepared
from index.encoder.prepared import MARKER_FORMAT, Preparation, is_current, prepare

PREP = Preparation("marker.json", version=2, source={"sha256": "ab" * 32}, required=("a.bin",))


def writer(calls: list[Path], content: bytes = b"new") -> object:
    """A build step that writes two files (one in a subfolder) and records its folder."""

    def build(tmp: Path) -> dict[str, object]:
        calls.append(tmp)
        (tmp / "a.bin").write_bytes(content)
        (tmp / "sub").mkdir()
        (tmp / "sub" / "b.json").write_text("{}", encoding="utf-8")
        return {"note": "toy"}

    return build


def siblings(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir())


def test_prepare_builds_beside_the_target_and_marks_every_file(tmp_path: Path) -> None:
    target, calls = tmp_path / "model", []
    assert prepare(target, PREP, writer(calls))
    assert calls[0].parent == tmp_path and calls[0].name.startswith(".model.tmp-")
    marker = json.loads((target / "marker.json").read_text(encoding="utf-8"))
    assert marker["marker_format"] == MARKER_FORMAT and marker["version"] == 2
    assert marker["source"] == PREP.source and marker["note"] == "toy"
    assert set(marker["files"]) == set(marker["stats"]) == {"a.bin", "sub/b.json"}
    assert is_current(target, PREP)
    assert siblings(target) == ["model"]  # temp folder renamed, nothing left beside it
    assert not prepare(target, PREP, writer(calls))  # current: no work
    assert len(calls) == 1
    assert prepare(target, PREP, writer(calls), force=True)
    assert len(calls) == 2


def test_marker_is_written_last_and_the_swap_is_one_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old", encoding="utf-8")
    seen: dict[str, object] = {}

    def build(tmp: Path) -> dict[str, object]:
        writer([])(tmp)
        seen["marker_during_build"] = (tmp / "marker.json").exists()
        return {}

    swap = prepared.swap_into_place

    def spy(tmp: Path, dest: Path) -> None:
        seen["marker_at_swap"] = (tmp / "marker.json").exists()
        seen["target_untouched_at_swap"] = (dest / "old.txt").exists()
        swap(tmp, dest)

    monkeypatch.setattr(prepared, "swap_into_place", spy)
    prepare(target, PREP, build)
    assert seen == {
        "marker_during_build": False,
        "marker_at_swap": True,
        "target_untouched_at_swap": True,
    }
    assert not (target / "old.txt").exists()  # the old folder is replaced whole
    assert siblings(target) == ["model"]  # and its renamed-aside copy deleted


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failed_preparation_leaves_the_old_folder_and_no_temp(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "model"
    prepare(target, PREP, writer([], b"old"))

    def broken(tmp: Path) -> dict[str, object]:
        (tmp / "a.bin").write_bytes(b"half")
        raise error

    with pytest.raises(type(error)):
        prepare(target, PREP, broken, force=True)
    assert (target / "a.bin").read_bytes() == b"old" and is_current(target, PREP)
    assert siblings(target) == ["model"]


def test_interrupted_preparation_is_redone_and_its_temp_swept(tmp_path: Path) -> None:
    """What a killed process leaves: a temp folder named after a dead pid, and (if it
    died during the swap or before the marker) a folder without marker."""
    target, calls = tmp_path / "model", []
    dead = dead_pid()
    stale = tmp_path / f".model.tmp-{dead}"
    stale.mkdir()
    (stale / "a.bin").write_bytes(b"half")
    target.mkdir()
    (target / "a.bin").write_bytes(b"new")  # all files there, but no marker
    assert not is_current(target, PREP)
    assert prepare(target, PREP, writer(calls))
    assert len(calls) == 1 and is_current(target, PREP)
    assert not stale.exists()


def test_another_process_that_finished_first_keeps_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"

    def racing(tmp: Path) -> dict[str, object]:
        theirs = tmp_path / ".model.tmp-other"  # another process, meanwhile, finishes
        theirs.mkdir()
        writer([], b"theirs")(theirs)
        prepared.write_marker(theirs, PREP, {})
        prepared.swap_into_place(theirs, target)
        return writer([], b"ours")(tmp)

    assert prepare(target, PREP, racing)
    assert (target / "a.bin").read_bytes() == b"theirs"
    assert siblings(target) == ["model"]


@pytest.mark.parametrize(
    "damage", ["tamper", "truncate", "delete_file", "version", "source", "format", "bad_json"]
)
def test_damaged_or_stale_folder_is_not_current(tmp_path: Path, damage: str) -> None:
    target = tmp_path / "model"
    prepare(target, PREP, writer([]))
    marker_path = target / "marker.json"
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    if damage == "tamper":
        (target / "a.bin").write_bytes(b"NEW")  # same size, other bytes
    elif damage == "truncate":
        (target / "a.bin").write_bytes(b"n")
    elif damage == "delete_file":
        (target / "sub" / "b.json").unlink()
    elif damage in ("version", "source", "format"):
        key = {"format": "marker_format"}.get(damage, damage)
        marker[key] = {"version": 1, "source": {"sha256": "cd" * 32}, "format": 0}[damage]
        marker_path.write_text(json.dumps(marker), encoding="utf-8")
    else:
        marker_path.write_text("{not json", encoding="utf-8")
    assert not is_current(target, PREP)


def test_unchanged_files_are_not_hashed_and_required_files_must_be_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model"
    prepare(target, PREP, writer([]))

    def no_hashing(path: Path) -> str:
        raise AssertionError("hashed although size and mtime are unchanged")

    monkeypatch.setattr(prepared, "file_sha256", no_hashing)
    monkeypatch.setattr(prepared, "cached_sha256", no_hashing)
    assert is_current(target, PREP)
    assert not is_current(target, Preparation("marker.json", 2, PREP.source, ("c.onnx",)))


def test_legacy_marker_with_its_own_version_key_stays_readable(tmp_path: Path) -> None:
    """Markers from before the shared format (the ONNX folder's ``fast_version``)."""
    legacy = Preparation(PREP.marker_name, PREP.version, PREP.source, legacy_version_key="v")
    target = tmp_path / "model"
    prepare(target, PREP, writer([]))
    marker_path = target / "marker.json"
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    del marker["marker_format"]
    marker["v"] = marker.pop("version")
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    assert is_current(target, legacy)
    assert not is_current(target, PREP)  # without the legacy key: redone
    marker["v"] = PREP.version - 1
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    assert not is_current(target, legacy)
