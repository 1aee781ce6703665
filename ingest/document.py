"""Typed records that flow from loading to indexing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class DocumentMeta:
    """What a person knows about a text: written in a sidecar `<file>.meta.json`."""

    title: str
    municipalities: tuple[str, ...] = ()
    date: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Section:
    """A heading and the span of cleaned text it governs."""

    heading: str
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A cleaned corpus text; `source` is its path relative to the corpus folder."""

    source: str
    text: str
    meta: DocumentMeta
    sha256: str
    sections: tuple[Section, ...] = ()


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
