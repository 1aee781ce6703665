"""`manifest.json`: what an index was built from and with, its segments, and its files.

Every file of a generation has its size and sha256 here. Sizes are checked on every
load (a stat per file: catches missing and truncated files); the checksums are
computed once, when a build writes a file, and verified on request
(``load_snapshot(verify=True)``, ``casechat build --verify``), because hashing every
file on every load cost 4 s at 100k passages and protects nothing a size check and
the loader's own consistency checks miss, short of a disk flipping bits.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from base.errors import IndexCorruptError
from index.encoder.prepared import file_sha256

#: 2: segments (index/segment.py) with deleted documents, instead of one set of files.
SCHEMA_VERSION = 2
MANIFEST = "manifest.json"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    """Everything needed to decide whether an index fits the running code."""

    app_version: str
    model: str
    dim: int
    chunking: dict[str, int]
    analyzer_version: int
    documents: dict[str, str] = field(default_factory=dict)  # source -> sha256
    #: source -> reader and version that read it, e.g. "pdf@1" (ingest/readers).
    readers: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    sizes: dict[str, int] = field(default_factory=dict)  # relative path -> bytes
    #: The segments, oldest first: {"name": ..., "deleted": [sources deleted since]}.
    segments: list[dict] = field(default_factory=list)
    #: Chunk ids still in the HNSW graph but no longer live (filtered at search).
    ann_deleted: list[int] = field(default_factory=list)
    n_chunks: int = 0
    #: The keyword index in ``lexical/``: {"engine": "tantivy <version>", "docs", "deleted"}.
    lexical: dict = field(default_factory=dict)
    #: What holds the vectors (segments' vectors.npy, searched with FAISS).
    vectors: str = ""
    ann: str = "flat"
    #: How the vectors were computed (e.g. "onnx-int8"); queries must use the same.
    backend: str = ""
    #: Reference levels of the answer/abstain decision, measured at build (answer/calibrate.py).
    calibration: dict = field(default_factory=dict)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    schema_version: int = SCHEMA_VERSION

    def save(self, folder: Path) -> None:
        text = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**raw)
            if not isinstance(manifest.files, dict) or not isinstance(manifest.documents, dict):
                raise TypeError("'files' og 'documents' skal være JSON-objekter")
            return manifest
        except (OSError, ValueError, TypeError) as exc:
            raise IndexCorruptError(
                f"Indeksets manifest ({path}) kan ikke læses: {exc}. "
                "Kør `casechat build --full` for at bygge indekset forfra."
            ) from exc

    def record_files(self, folder: Path, names: list[str]) -> None:
        """Record size and sha256 of these files (relative to `folder`), just written."""
        for rel in names:
            path = folder / rel
            self.files[rel] = file_sha256(path)
            self.sizes[rel] = path.stat().st_size

    def verify_files(self, folder: Path, checksums: bool = True) -> None:
        """Every recorded file is there with its size; with `checksums`, also its sha256."""
        for rel, expected in self.files.items():
            path = folder / rel
            try:
                size = path.stat().st_size
            except OSError:
                size = -1
            ok = size == self.sizes.get(rel, size) and size >= 0
            if ok and checksums:
                ok = file_sha256(path) == expected
            if not ok:
                raise IndexCorruptError(
                    f"Indeksfilen {rel} mangler eller er beskadiget. "
                    "Kør `casechat build --full` for at bygge indekset forfra."
                )
