"""JSON records of documents as stored in an index (one line of ``documents.jsonl``)."""

from __future__ import annotations

from ingest.document import Document, DocumentMeta, Section


def document_record(doc: Document) -> dict:
    """The stored form of a document: its text, metadata, sections and pages."""
    return {
        "source": doc.source,
        "sha256": doc.sha256,
        "title": doc.meta.title,
        "municipalities": list(doc.meta.municipalities),
        "date": doc.meta.date,
        "kind": doc.meta.kind,
        "url": doc.meta.url,
        "author": doc.meta.author,
        "sections": [[s.heading, s.start, s.end] for s in doc.sections],
        "format": doc.format,
        "reader": doc.reader,
        "page_count": doc.page_count,
        "pages": [list(span) for span in doc.pages],
        "text": doc.text,
    }


def document_from_record(rec: dict) -> Document:
    """A document back from its stored record."""
    meta = DocumentMeta(
        rec["title"],
        tuple(rec["municipalities"]),
        rec["date"],
        rec["kind"],
        url=rec.get("url"),
        author=rec.get("author"),
    )
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
