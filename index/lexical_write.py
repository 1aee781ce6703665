"""Writing a generation's Tantivy keyword index (index/lexical.py).

An incremental build hard-links the previous generation's Tantivy files into the new
generation's ``lexical/`` folder and commits its deletions (by source) and new
passages on top. Tantivy never changes a file after writing it (new segments, new
``.del`` files; ``meta.json`` is replaced by an atomic rename), so the previous
generation's files stay as they were, and a build killed at any point leaves the
live generation intact. When too many passages are deleted (they still count in
BM25's statistics, as in Lucene), the build writes the index anew from the live
passages instead, so its scores are again those of the live library; and so it does
for a small library, where that takes a moment and keeps an incremental build's
scores exactly those of a full one.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import tantivy

from index.analyze import ANALYZER, Analyzer
from index.lexical import ENGINE, WRITER_HEAP, passage_document, schema

FOLDER = "lexical"
#: Tantivy's lock files: never shared between generations, never in the manifest.
LOCKS = frozenset({".tantivy-meta.lock", ".tantivy-writer.lock"})
#: Rewrite the keyword index when more than this share of its passages is deleted.
REWRITE_DELETED_SHARE = 0.2
#: ... and when the library has no more live passages than this (a rewrite is cheap).
REWRITE_BELOW = 20_000


@dataclass
class LexicalState:
    """What the manifest records about the keyword index: engine, passages, deleted."""

    engine: str = ENGINE
    docs: int = 0  # passages in Tantivy, deleted ones included
    deleted: int = 0  # passages deleted but not yet merged away

    @classmethod
    def from_dict(cls, raw: dict) -> LexicalState | None:
        return cls(**raw) if raw else None

    def as_dict(self) -> dict:
        return {"engine": self.engine, "docs": self.docs, "deleted": self.deleted}


def files(folder: Path) -> list[str]:
    """The index's files (no locks), sorted."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.name not in LOCKS)


def _link_from(previous: Path, folder: Path) -> None:
    for name in files(previous):
        try:
            os.link(previous / name, folder / name)
        except OSError:
            shutil.copy2(previous / name, folder / name)


def write_lexical(
    folder: Path,
    previous: Path | None,
    state: LexicalState | None,
    deleted_sources: Collection[str],
    deleted_passages: int,
    added: Iterable[tuple[int, str, str]],
    everything: Callable[[], Iterable[tuple[int, str, str]]],
    analyzer: Analyzer = ANALYZER,
) -> LexicalState:
    """Write ``folder``: the previous index with these sources deleted and the ``added``
    (chunk id, source, text) passages, or, when there is no previous index or too much
    of it would be deleted, ``everything()`` live anew. Returns the new state."""
    folder.mkdir(parents=True)
    rewrite = previous is None or state is None or state.engine != ENGINE
    if not rewrite and (deleted_sources or deleted_passages):
        deleted = state.deleted + deleted_passages
        small = state.docs - state.deleted <= REWRITE_BELOW
        rewrite = small or deleted > REWRITE_DELETED_SHARE * max(state.docs, 1)
    if rewrite:
        index = tantivy.Index(schema(), str(folder))
        sources, passages = (), everything()
    else:
        _link_from(previous, folder)
        index = tantivy.Index.open(str(folder))
        sources, passages = deleted_sources, added
    writer = index.writer(WRITER_HEAP, 1)
    for source in sorted(sources):
        writer.delete_documents_by_term("source", source)
    for chunk_id, source, text in passages:
        writer.add_document(passage_document(chunk_id, source, text, analyzer))
    writer.commit()
    writer.wait_merging_threads()  # Tantivy's merges finish inside this build
    for lock in LOCKS:
        (folder / lock).unlink(missing_ok=True)
    return read_state(folder)


def read_state(folder: Path) -> LexicalState:
    """Passages and deleted passages, as Tantivy's own ``meta.json`` counts them."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    docs = sum(int(s["max_doc"]) for s in meta["segments"])
    deleted = sum(
        int((s.get("deletes") or {}).get("num_deleted_docs", 0)) for s in meta["segments"]
    )
    return LexicalState(ENGINE, docs, deleted)
