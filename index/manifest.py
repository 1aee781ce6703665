"""`manifest.json`: what an index was built from and with, and its file checksums."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from base.errors import IndexCorruptError
from index.encoder.prepared import file_sha256

SCHEMA_VERSION = 1
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
    n_chunks: int = 0
    ann: str = "flat"
    #: How the vectors were computed (e.g. "onnx-int8"); queries must use the same.
    backend: str = ""
    #: Reference levels of the answer/abstain decision, measured at build (index/calibrate.py).
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

    def checksum_files(self, folder: Path) -> None:
        """Record a sha256 for every file of the index except the manifest itself."""
        self.files = {
            p.relative_to(folder).as_posix(): file_sha256(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        }

    def verify_files(self, folder: Path) -> None:
        for rel, expected in self.files.items():
            path = folder / rel
            if not path.is_file() or file_sha256(path) != expected:
                raise IndexCorruptError(
                    f"Indeksfilen {rel} mangler eller er beskadiget. "
                    "Kør `casechat build --full` for at bygge indekset forfra."
                )
