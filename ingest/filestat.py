"""The build's stat cache: a corpus file that looks as it did when it was hashed is not
read again.

Each index generation holds ``filestat.json``: per corpus file (path relative to the
corpus folder) the stat of the file and of its sidecar when they were read (size,
mtime_ns, ctime_ns, inode, device) and what reading found (sha256, content sha256,
format, duplicate key). A scan reuses an entry when both stats are still the same;
``casechat build --full`` and ``--verify`` read every file.

Why a same stat means the same bytes: every write sets mtime and ctime to the present
(a tool that sets mtime back, like ``cp -p``, still moves ctime; an atomic save makes a
new inode). The one gap is a file written again within the timestamp granularity of
the moment it was read; so an entry whose times lie less than ``RACY_NS`` before the
scan began is not stored and is hashed again next time ("racily clean" in git's words).
The cache holds no text: a cached file that must be parsed after all is read in full
(ingest/pipeline.py ``to_document``). A damaged or foreign cache is ignored.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from base import __version__

FILESTAT = "filestat.json"
CACHE_VERSION = 1
#: Entries younger than this when the scan began are not stored (see the docstring).
RACY_NS = 2_000_000_000

Stat = tuple[int, ...]  # (size, mtime_ns, ctime_ns, inode, device) of the file[, sidecar]


def stat_of(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@dataclass(frozen=True)
class Known:
    """What reading one file found, and the stat it had then."""

    stat: Stat
    sha256: str
    content_sha256: str
    format: str
    key: str  # the duplicate key (ingest/pipeline.py content_key)


@dataclass
class StatCache:
    """Entries of the previous build (`known`) and of this scan (`seen`)."""

    known: dict[str, Known] = field(default_factory=dict)
    seen: dict[str, Known] = field(default_factory=dict)
    started_ns: int = field(default_factory=time.time_ns)

    def get(self, source: str) -> Known | None:
        return self.known.get(source)

    def record(self, source: str, entry: Known) -> None:
        """Keep the entry for the next build unless it is too young to be trusted."""
        # stat tuples: size, mtime, ctime, inode, device (x2 with a sidecar)
        times = [t for i, t in enumerate(entry.stat) if i % 5 in (1, 2)]
        if times and max(times) < self.started_ns - RACY_NS:
            self.seen[source] = entry

    @property
    def changed(self) -> bool:
        return self.seen != self.known

    @classmethod
    def load(cls, folder: Path) -> StatCache:
        try:
            raw = json.loads((folder / FILESTAT).read_text(encoding="utf-8"))
            if raw.get("version") != CACHE_VERSION or raw.get("app_version") != __version__:
                return cls()  # another version may detect or hash differently
            known = {
                source: Known(tuple(int(x) for x in e[0]), e[1], e[2], e[3], e[4])
                for source, e in raw["files"].items()
            }
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return cls()
        return cls(known=known)

    def save(self, folder: Path) -> None:
        """Write this scan's entries to `folder` atomically (a cache: not fsynced)."""
        files = {
            s: [list(e.stat), e.sha256, e.content_sha256, e.format, e.key]
            for s, e in sorted(self.seen.items())
        }
        raw = {"version": CACHE_VERSION, "app_version": __version__, "files": files}
        tmp = folder / f"{FILESTAT}.tmp"
        tmp.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / FILESTAT)
