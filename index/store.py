"""An index on disk: generations of plain files, and an atomic pointer to the live one.

    <index_dir>/CURRENT            name of the live generation (replaced atomically)
    <index_dir>/gen-<time>-<pid>/  manifest.json, segments/<name>/ (index/segment.py),
                                   ann.faiss (HNSW graph of large indexes)

A build writes a new generation folder, in which the unchanged segments (and an
unchanged graph) are hard links to the previous generation's files and only new
ones are written, and then swaps CURRENT with os.replace, so a build killed at
any point leaves the previous index live and intact. Files are never changed
after they are written, so sharing them between generations is safe.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from base.errors import (
    BuildLockedError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from base.settings import Chunking
from index import ann
from index.analyze import ANALYZER_VERSION
from index.generation import Generation
from index.lexical import LexicalIndex
from index.manifest import SCHEMA_VERSION, Manifest
from index.records import document_from_record, document_record  # noqa: F401 (re-exported)
from index.writer import GenerationWriter, fsync_path, pause_point  # noqa: F401 (re-exported)
from ingest.document import Chunk, Document

CURRENT = "CURRENT"
LOCK = ".build.lock"


@dataclass
class Snapshot:
    """A loaded index: vectors, chunk records, documents, BM25, manifest."""

    path: Path
    manifest: Manifest
    vectors: faiss.Index
    chunks: dict[int, Chunk]
    documents: dict[str, Document]
    lexical: LexicalIndex
    #: HNSW graph over the same vectors for large indexes (index/ann.py), else None.
    graph: ann.LiveGraph | None = None

    def vector(self, chunk_id: int) -> np.ndarray:
        return self.vectors.reconstruct(int(chunk_id))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every stored chunk, in storage order."""
        ids = faiss.vector_to_array(self.vectors.id_map).astype(np.int64)
        return ids, self.vectors.index.reconstruct_n(0, self.vectors.ntotal)


def current_path(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):  # unreadable or garbage: no live index
        return None
    if name in {"", ".", ".."} or Path(name).name != name:  # only a folder of index_dir
        return None
    path = index_dir / name
    return path if path.is_dir() else None


def check_compatible(
    manifest: Manifest,
    model: str | None,
    chunking: Chunking | None,
    backend: str | None = None,
) -> None:
    fix = "Kør `casechat build --full` for at bygge indekset forfra"
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"Indekset har skemaversion {manifest.schema_version}, programmet bruger "
            f"{SCHEMA_VERSION}. {fix}."
        )
    if manifest.analyzer_version != ANALYZER_VERSION:
        raise IndexMismatchError(f"Indekset er bygget med en anden søgeordsanalyse. {fix}.")
    if model is not None and manifest.model != model:
        raise IndexMismatchError(
            f"Indekset er bygget med modellen '{manifest.model}', men den valgte model er "
            f"'{model}'. {fix}, eller vælg samme model med CASECHAT_MODEL."
        )
    if chunking is not None and manifest.chunking != chunking.as_dict():
        raise IndexMismatchError(
            f"Indekset er bygget med en anden opdeling i tekststykker ({manifest.chunking}). {fix}."
        )
    if backend is not None and manifest.backend != backend:
        built = f"udgaven '{manifest.backend}'" if manifest.backend else "en ældre udgave"
        raise IndexMismatchError(
            f"Indeksets vektorer er lavet med {built} af modellen, men spørgsmålene "
            f"embeddes med udgaven '{backend}'. {fix}"
            + (
                f", eller sæt CASECHAT_EMBED_BACKEND={manifest.backend}."
                if manifest.backend
                else "."
            )
        )


_FIX = "Kør `casechat build --full` for at bygge det forfra."


def open_generation(
    index_dir: Path,
    model: str | None = None,
    chunking: Chunking | None = None,
    verify: bool = False,
    backend: str | None = None,
) -> Generation:
    """The live generation's manifest and segments, checked; nothing big is read yet.

    Every file's presence and size is checked; with `verify` also its sha256.
    """
    path = current_path(index_dir)
    if path is None:
        raise IndexMissingError(
            f"Der er intet indeks i {index_dir}. Kør `casechat build` for at bygge det."
        )
    manifest = Manifest.load(path)
    check_compatible(manifest, model, chunking, backend)
    manifest.verify_files(path, checksums=verify)
    try:
        return Generation.open(path, manifest)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(f"Indekset i {path} kan ikke læses ({exc}). {_FIX}") from exc


def load_snapshot(
    index_dir: Path,
    model: str | None = None,
    chunking: Chunking | None = None,
    verify: bool = False,
    backend: str | None = None,
) -> Snapshot:
    """Load the live index; refuse one that is missing, damaged or built differently."""
    generation = open_generation(index_dir, model, chunking, verify, backend)
    path, manifest = generation.path, generation.manifest
    if not manifest.lexical:
        raise IndexMismatchError(
            "Indekset er bygget med en ældre søgeordsindeksering. Kør `casechat build` for at "
            "bygge søgeordsindekset om (vektorerne genbruges)."
        )
    try:
        order = generation.order()
        vectors = generation.flat_index(order)
        chunks = generation.chunks(order)
        documents = generation.documents()
        lexical = generation.lexical(order)
        graph = generation.graph()
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, EOFError) as exc:
        raise IndexCorruptError(f"Indekset i {path} kan ikke læses ({exc}). {_FIX}") from exc
    n = len(chunks)
    if vectors.ntotal != n or vectors.d != manifest.dim or len(lexical.ids) != n:
        raise IndexCorruptError(f"Indeksets vektorer og tekststykker passer ikke sammen. {_FIX}")
    if graph is not None and graph.ntotal != vectors.ntotal:
        raise IndexCorruptError(f"Indeksets søgegraf og vektorer passer ikke sammen. {_FIX}")
    return Snapshot(path, manifest, vectors, chunks, documents, lexical, graph)


def passage_texts(generation: Generation, ids: Sequence[int]) -> dict[int, str]:
    """The texts of these live passages, parsing only their records (calibration needs a
    few dozen of 100k: parsing all of them was a quarter of a one-document update)."""
    wanted = np.asarray(sorted({int(i) for i in ids}), np.int64)
    found: dict[int, str] = {}
    for live in generation.segments:
        seg_ids = live.segment.ids()
        rows = np.flatnonzero(np.isin(seg_ids, wanted) & live.mask)
        if not len(rows):
            continue
        rest = iter(rows.tolist())
        row = next(rest)
        # One record a line, in row order (index/segment.py); bytes, so unread lines
        # are not even decoded.
        with (live.segment.folder / "chunks.jsonl").open("rb") as handle:
            for at, line in enumerate(handle):
                if at == row:
                    found[int(seg_ids[at])] = Chunk.from_record(json.loads(line)).text
                    row = next(rest, -1)
                    if row < 0:
                        break
    missing = set(wanted.tolist()) - found.keys()
    if missing:
        raise IndexCorruptError(f"Indekset mangler {len(missing)} tekststykker. {_FIX}")
    return found


def swap_in(index_dir: Path, generation: Path) -> None:
    """Make `generation` the live index in one atomic step, then tidy old ones."""
    previous = current_path(index_dir)
    tmp = index_dir / f"{CURRENT}.tmp"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    fsync_path(tmp)
    os.replace(tmp, index_dir / CURRENT)
    fsync_path(index_dir)
    # The previous generation stays one more round for readers that are loading it now.
    remove_stale(index_dir, keep={generation.name} | ({previous.name} if previous else set()))


def remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete generations that are not live: leftovers of finished or killed builds.

    Processes that already loaded an old generation keep their copy in memory.
    """
    for path in index_dir.glob("gen-*"):
        if path.name not in keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (the lock dies with its process)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = (index_dir / LOCK).open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise BuildLockedError(
            f"En anden `casechat build` skriver allerede til {index_dir}. "
            "Vent til den er færdig, og prøv igen."
        ) from exc
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def new_flat_index(dim: int) -> faiss.Index:
    """Exact inner-product search over unit vectors, addressed by int64 chunk ids."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
