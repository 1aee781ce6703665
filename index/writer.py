"""Writing a new generation folder: hard links to unchanged files, new files, manifest."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import faiss

from base import __version__
from base.settings import pause_at
from index import ann
from index.generation import SEGMENTS, Generation, LiveSegment
from index.manifest import MANIFEST, Manifest

#: Test hook: a build whose environment names a point here ("embedding", "writing",
#: "swap") prints `CASECHAT_PAUSED <point>` to stderr and sleeps there, so a test can
#: kill it at exactly that point (tests/test_crash_safety.py). Unset, nothing happens.


def pause_point(point: str) -> None:
    """Sleep at `point` if the test hook asks for it (see base.settings.TEST_PAUSE_ENV)."""
    if pause_at() == point:
        print(f"CASECHAT_PAUSED {point}", file=sys.stderr, flush=True)
        time.sleep(300)  # the test kills the process long before


def fsync_path(path: Path) -> None:
    """Flush a file or a folder (its entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _link(src: Path, dst: Path) -> None:
    """Hard link (same inode, no copy); a copy where the file system has no hard links."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class GenerationWriter:
    """Writes one new generation folder: linked old segments, new segments, the graph.

    ``finish`` records sizes and checksums of the new files (the linked ones keep
    the previous manifest's), fsyncs the new files and folders, and renames the
    folder into place; the generation is not live until :func:`swap_in`.
    """

    def __init__(self, index_dir: Path, previous: Generation | None) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.name = f"gen-{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        self.index_dir = index_dir
        self.tmp = index_dir / f"{self.name}.tmp"
        (self.tmp / SEGMENTS).mkdir(parents=True)
        self.previous = previous
        self.refs: list[dict] = []
        self.files: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.written: list[str] = []
        self.folders: list[str] = []  # folders written in place, fsynced at the end

    def _copy_entry(self, rel: str) -> None:
        assert self.previous is not None
        old = self.previous.manifest
        _link(self.previous.path / rel, self.tmp / rel)
        self.files[rel] = old.files[rel]
        self.sizes[rel] = old.sizes.get(rel, (self.tmp / rel).stat().st_size)

    def link_segment(self, live: LiveSegment) -> None:
        """Keep a segment of the previous generation (with its current deleted list)."""
        assert self.previous is not None
        seg = live.segment
        (self.tmp / SEGMENTS / seg.name).mkdir()
        prefix = f"{SEGMENTS}/{seg.name}/"
        for rel in [r for r in self.previous.manifest.files if r.startswith(prefix)]:
            self._copy_entry(rel)
        self.refs.append({"name": seg.name, "deleted": sorted(live.deleted)})

    def segment_folder(self, name: str) -> Path:
        return self.tmp / SEGMENTS / name

    def add_segment(self, name: str, files: list[str]) -> None:
        """Register a segment just written into :meth:`segment_folder`."""
        self.written.extend(f"{SEGMENTS}/{name}/{f}" for f in files)
        self.refs.append({"name": name, "deleted": []})

    def is_new(self, name: str) -> bool:
        """Whether this build wrote the segment (else it comes from the previous one)."""
        return any(rel.startswith(f"{SEGMENTS}/{name}/") for rel in self.written)

    def drop_segment(self, name: str) -> None:
        """Forget a segment merged into another (its new files are deleted)."""
        prefix = f"{SEGMENTS}/{name}/"
        self.written = [r for r in self.written if not r.startswith(prefix)]
        self.files = {r: v for r, v in self.files.items() if not r.startswith(prefix)}
        self.sizes = {r: v for r, v in self.sizes.items() if not r.startswith(prefix)}
        self.refs = [r for r in self.refs if r["name"] != name]
        shutil.rmtree(self.segment_folder(name), ignore_errors=True)

    def order_refs(self, names: list[str]) -> None:
        """The manifest lists exactly these segments, in this order."""
        by_name = {r["name"]: r for r in self.refs}
        self.refs = [by_name[n] for n in names]

    def adopt_folder(self, rel: str, names: list[str]) -> None:
        """Record the files of a folder written in place (the keyword index): those that
        are still hard links to the previous generation's keep its checksums."""
        old = self.previous
        for name in names:
            path, entry = self.tmp / rel / name, f"{rel}/{name}"
            before = old.path / entry if old is not None else None
            if before is not None and entry in old.manifest.files and before.is_file():
                if os.path.samefile(before, path):
                    self.files[entry] = old.manifest.files[entry]
                    self.sizes[entry] = old.manifest.sizes.get(entry, path.stat().st_size)
                    continue
            self.written.append(entry)
        self.folders.append(rel)

    def graph(self, graph: faiss.Index | None, link: bool = False) -> None:
        """Store a new graph, or (``link``) keep the previous generation's file."""
        if link:
            self._copy_entry(ann.ANN_FILE)
        elif graph is not None:
            ann.save(graph, self.tmp)
            self.written.append(ann.ANN_FILE)

    def finish(self, manifest: Manifest) -> Path:
        pause_point("writing")  # some files are written, the manifest is not
        manifest.segments = self.refs
        manifest.files, manifest.sizes = dict(self.files), dict(self.sizes)
        manifest.record_files(self.tmp, self.written)
        manifest.ann = ann.HNSW if (self.tmp / ann.ANN_FILE).is_file() else ann.FLAT
        manifest.app_version = __version__
        manifest.save(self.tmp)
        for rel in [*self.written, MANIFEST]:
            fsync_path(self.tmp / rel)
        for folder in [self.tmp / SEGMENTS / r["name"] for r in self.refs]:
            fsync_path(folder)
        for rel in self.folders:
            fsync_path(self.tmp / rel)
        fsync_path(self.tmp / SEGMENTS)
        fsync_path(self.tmp)
        final = self.index_dir / self.name
        os.replace(self.tmp, final)
        return final
