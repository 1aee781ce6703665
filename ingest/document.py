"""Typed records that flow from loading to indexing."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class DocumentMeta:
    """What a person knows about a text: written in a sidecar `<file>.meta.json`."""

    title: str
    municipalities: tuple[str, ...] = ()
    date: str | None = None
    kind: str | None = None
    #: A web page added by its address (casechat add-url): where it came from, its author.
    url: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Section:
    """A heading and the span of cleaned text it governs."""

    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A cleaned corpus text; `source` is its path relative to the corpus folder.

    `source` is also the document's id and the path of the original file (PDF,
    DOCX, ...) below the corpus folder. `pages[i]` is the (start, end) span of
    page i + 1 in `text`; formats without pages have `page_count` None.
    """

    source: str
    text: str
    meta: DocumentMeta
    sha256: str
    sections: tuple[Section, ...] = ()
    #: The format its content was read as: "txt", "md", "pdf", "docx" or "html".
    format: str = "txt"
    #: Reader and version that produced `text`, e.g. "pdf@1" (also in the manifest).
    reader: str = "txt@1"
    page_count: int | None = None
    pages: tuple[tuple[int, int], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page whose span holds character `offset` (None without pages)."""
        if not self.pages:
            return None
        starts = [start for start, end in self.pages if end > start]
        index = bisect.bisect_right(starts, offset) - 1
        if index < 0:
            return 1
        start = starts[index]
        return next(n for n, (s, e) in enumerate(self.pages, 1) if s == start and e > s)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document; `text == document.text[start:end]`."""

    chunk_id: int
    source: str
    title: str
    section: str
    start: int
    end: int
    text: str
    municipalities: tuple[str, ...] = field(default=())
    #: First and last page (1-based) the passage lies on; None where the format has none.
    page_start: int | None = None
    page_end: int | None = None

    def embed_text(self) -> str:
        """The text that is embedded: a short header, then the passage.

        The header carries title, section and municipalities so that a passage
        that never names its municipality can still be found by it.
        """
        lines = [f"Titel: {self.title}"]
        if self.section:
            lines.append(f"Afsnit: {self.section}")
        if self.municipalities:
            lines.append(f"Kommune: {', '.join(self.municipalities)}")
        return "\n".join(lines) + "\n\n" + self.text

    def to_record(self) -> dict:
        record = asdict(self)
        record["municipalities"] = list(self.municipalities)
        return record

    @classmethod
    def from_record(cls, record: dict) -> Chunk:
        return cls(**{**record, "municipalities": tuple(record.get("municipalities", ()))})
