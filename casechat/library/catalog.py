"""The document list: every corpus file with what the index and the builder know of it.

A row joins three sources: the corpus folder (the file is there, when it
changed), the live index (title, municipalities, date, format, pages,
passages) and the builder (being indexed, skipped and why, a failed build).
A file that is in the index but no longer in the corpus is listed until the
build that drops it has run.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass

from base.settings import Settings
from casechat.library.builder import BuildState
from casechat.library.corpus_files import corpus_names, sidecar_of
from index.store import Snapshot
from ingest.load import MAX_META_BYTES

INDEXED = "indekseret"
INDEXING = "indekseres …"
NOT_INDEXED = "ikke indekseret"
REMOVING = "fjernet; forsvinder fra søgningen, når indekset er opdateret"
COLUMNS = [
    "Titel",
    "Fil",
    "Kommuner",
    "Dato",
    "Format",
    "Sider",
    "Passager",
    "Tilføjet/ændret",
    "Status",
]


@dataclass(frozen=True)
class Row:
    """One document in the list."""

    source: str
    title: str
    municipalities: tuple[str, ...]
    date: str
    format: str
    pages: int | None
    passages: int
    changed: str
    status: str

    def cells(self) -> list[object]:
        return [
            self.title,
            self.source,
            ", ".join(self.municipalities),
            self.date,
            self.format.upper(),
            "" if self.pages is None else self.pages,
            self.passages,
            self.changed,
            self.status,
        ]

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["municipalities"] = list(self.municipalities)
        return data


def _sidecar_fields(settings: Settings, source: str) -> dict:
    path = sidecar_of(settings, source)
    try:
        if path and path.stat().st_size <= MAX_META_BYTES:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        pass
    return {}


def _status(source: str, indexed: bool, state: BuildState, problems: dict[str, str]) -> str:
    if source in state.pending or (state.busy and not indexed and source not in problems):
        return INDEXING
    if source in problems:
        return f"sprunget over: {problems[source]}"
    if source in state.failed:
        return f"{NOT_INDEXED}: opbygningen af indekset fejlede ({state.error})"
    return INDEXED if indexed else f"{NOT_INDEXED} endnu (kør `casechat build`)"


def rows(settings: Settings, snapshot: Snapshot | None, state: BuildState) -> list[Row]:
    """Every document, sorted by title (`snapshot`: the live index, None if there is none)."""
    docs = dict(snapshot.documents) if snapshot else {}
    chunks = snapshot.chunks.values() if snapshot else ()
    passages = Counter(c.source for c in chunks)
    problems = {p.source: p.reason for p in (state.report.problems if state.report else [])}
    found = []
    on_disk = corpus_names(settings) if settings.corpus_dir.is_dir() else []
    for source in on_disk:
        doc = docs.get(source)
        path = settings.corpus_dir / source
        changed = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        if doc is not None:
            meta, fmt, pages = doc.meta, doc.format, doc.page_count
            title, munis, date, kind_fmt = meta.title, meta.municipalities, meta.date, fmt
        else:
            side = _sidecar_fields(settings, source)
            title = str(side.get("title") or source)
            munis = tuple(str(m) for m in side.get("municipalities") or ())
            date, kind_fmt, pages = side.get("date"), path.suffix.lstrip(".").lower(), None
        status = _status(source, doc is not None, state, problems)
        found.append(
            Row(
                source,
                title,
                munis,
                str(date or ""),
                kind_fmt,
                pages,
                passages[source],
                changed,
                status,
            )
        )
    present = set(on_disk)
    for source, doc in docs.items():
        if source not in present:
            meta = doc.meta
            found.append(
                Row(
                    source,
                    meta.title,
                    meta.municipalities,
                    meta.date or "",
                    doc.format,
                    doc.page_count,
                    passages[source],
                    "",
                    REMOVING,
                )
            )
    return sorted(found, key=lambda r: (r.title.casefold(), r.source))


def matching(found: list[Row], query: str) -> list[Row]:
    """Rows whose title, file, municipalities or status contain every word of `query`."""
    words = (query or "").casefold().split()
    if not words:
        return found

    def text(row: Row) -> str:
        return " ".join([row.title, row.source, *row.municipalities, row.status, row.date])

    return [r for r in found if all(w in text(r).casefold() for w in words)]
