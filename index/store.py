"""An index on disk: generations of plain files, and an atomic pointer to the live one.

    <index_dir>/CURRENT            name of the live generation (replaced atomically)
    <index_dir>/gen-<time>-<pid>/  manifest.json, vectors.faiss, chunks.jsonl,
                                   documents.jsonl, lexical/ (BM25)

A build writes a whole new generation and then swaps CURRENT with os.replace,
so a build killed at any point leaves the previous index live and intact.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from base import __version__
from base.errors import (
    BuildLockedError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
)
from base.settings import Chunking, pause_at
from index import ann
from index.analyze import ANALYZER_VERSION
from index.lexical import LexicalIndex
from index.manifest import SCHEMA_VERSION, Manifest
from ingest.document import Chunk, Document, DocumentMeta, Section

CURRENT = "CURRENT"
LOCK = ".build.lock"
#: Test hook: a build whose environment names a point here ("embedding", "writing",
#: "swap") prints `CASECHAT_PAUSED <point>` to stderr and sleeps there, so a test can
#: kill it at exactly that point (tests/test_crash_safety.py). Unset, nothing happens.


def pause_point(point: str) -> None:
    """Sleep at `point` if the test hook asks for it (see base.settings.TEST_PAUSE_ENV)."""
    if pause_at() == point:
        print(f"CASECHAT_PAUSED {point}", file=sys.stderr, flush=True)
        time.sleep(300)  # the test kills the process long before


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
    graph: faiss.Index | None = None

    def vector(self, chunk_id: int) -> np.ndarray:
        return self.vectors.reconstruct(int(chunk_id))

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every stored chunk, in storage order."""
        ids = faiss.vector_to_array(self.vectors.id_map).astype(np.int64)
        return ids, self.vectors.index.reconstruct_n(0, self.vectors.ntotal)


def document_record(doc: Document) -> dict:
    return {
        "source": doc.source,
        "sha256": doc.sha256,
        "title": doc.meta.title,
        "municipalities": list(doc.meta.municipalities),
        "date": doc.meta.date,
        "kind": doc.meta.kind,
        "sections": [[s.heading, s.start, s.end] for s in doc.sections],
        "format": doc.format,
        "reader": doc.reader,
        "page_count": doc.page_count,
        "pages": [list(span) for span in doc.pages],
        "text": doc.text,
    }


def document_from_record(rec: dict) -> Document:
    meta = DocumentMeta(rec["title"], tuple(rec["municipalities"]), rec["date"], rec["kind"])
    sections = tuple(Section(h, s, e) for h, s, e in rec["sections"])
    # Records written before the readers existed are all .txt or .md, read as version 1.
    fmt = rec.get("format") or ("md" if rec["source"].lower().endswith(".md") else "txt")
    return Document(
        rec["source"],
        rec["text"],
        meta,
        rec["sha256"],
        sections,
        format=fmt,
        reader=rec.get("reader") or f"{fmt}@1",
        page_count=rec.get("page_count"),
        pages=tuple((s, e) for s, e in rec.get("pages") or ()),
    )


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


def load_snapshot(
    index_dir: Path,
    model: str | None = None,
    chunking: Chunking | None = None,
    verify: bool = True,
    backend: str | None = None,
) -> Snapshot:
    """Load the live index; refuse one that is missing, damaged or built differently."""
    path = current_path(index_dir)
    if path is None:
        raise IndexMissingError(
            f"Der er intet indeks i {index_dir}. Kør `casechat build` for at bygge det."
        )
    manifest = Manifest.load(path)
    check_compatible(manifest, model, chunking, backend)
    if verify:
        manifest.verify_files(path)
    try:
        vectors = faiss.read_index(str(path / "vectors.faiss"))
        chunks = {}
        with (path / "chunks.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                chunk = Chunk.from_record(json.loads(line))
                chunks[chunk.chunk_id] = chunk
        documents = {}
        with (path / "documents.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                doc = document_from_record(json.loads(line))
                documents[doc.source] = doc
        lexical = LexicalIndex.load(path / "lexical")
        graph = ann.load(path) if manifest.ann != ann.FLAT else None
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        raise IndexCorruptError(
            f"Indekset i {path} kan ikke læses ({exc}). "
            "Kør `casechat build --full` for at bygge det forfra."
        ) from exc
    if vectors.ntotal != len(chunks) or vectors.d != manifest.dim:
        raise IndexCorruptError(
            "Indeksets vektorer og tekststykker passer ikke sammen. "
            "Kør `casechat build --full` for at bygge det forfra."
        )
    if graph is not None and graph.ntotal != vectors.ntotal:
        raise IndexCorruptError(
            "Indeksets søgegraf og vektorer passer ikke sammen. "
            "Kør `casechat build --full` for at bygge det forfra."
        )
    return Snapshot(path, manifest, vectors, chunks, documents, lexical, graph)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def write_generation(
    index_dir: Path,
    manifest: Manifest,
    vectors: faiss.Index,
    chunks: list[Chunk],
    documents: list[Document],
    lexical: LexicalIndex,
    graph: faiss.Index | None = None,
) -> Path:
    """Write a complete new generation; return its folder (not yet live).

    ``graph`` is the optional HNSW graph (index/ann.py), stored beside the flat index.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = index_dir / f"{name}.tmp"
    tmp.mkdir()
    faiss.write_index(vectors, str(tmp / "vectors.faiss"))
    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
    with (tmp / "documents.jsonl").open("w", encoding="utf-8") as handle:
        for doc in documents:
            handle.write(json.dumps(document_record(doc), ensure_ascii=False) + "\n")
    pause_point("writing")  # some files are written, the manifest is not
    lexical.save(tmp / "lexical")
    if graph is not None:
        ann.save(graph, tmp)
    manifest.ann = ann.HNSW if graph is not None else ann.FLAT
    manifest.app_version = __version__
    manifest.n_chunks = len(chunks)
    manifest.checksum_files(tmp)
    manifest.save(tmp)
    _fsync_tree(tmp)
    final = index_dir / name
    os.replace(tmp, final)
    return final


def swap_in(index_dir: Path, generation: Path) -> None:
    """Make `generation` the live index in one atomic step, then tidy old ones."""
    previous = current_path(index_dir)
    tmp = index_dir / f"{CURRENT}.tmp"
    tmp.write_text(generation.name + "\n", encoding="utf-8")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / CURRENT)
    dir_fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
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
