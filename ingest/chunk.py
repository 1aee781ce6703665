"""Cut cleaned documents into passages that know where they come from."""

from __future__ import annotations

import hashlib

from langchain_text_splitters import RecursiveCharacterTextSplitter

from base.settings import Chunking
from ingest.document import Chunk, Document, Section
from ingest.municipalities import mentions

#: A piece shorter than this (a lone heading, a trailing line) joins its neighbour.
MIN_CHUNK_CHARS = 150


def chunk_id(source: str, doc_sha: str, start: int, end: int) -> int:
    """A stable, positive int64 id: the same passage of the same text keeps its id."""
    digest = hashlib.sha256(f"{source}\0{doc_sha}\0{start}\0{end}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def _mentions(text: str, name: str) -> bool:
    # One of the 98 municipalities by its word forms ("Københavns" names København);
    # any other name a sidecar gives, by substring.
    return mentions(text, name)


def section_municipalities(doc: Document) -> dict[str, tuple[str, ...]]:
    """Which of the document's municipalities each chapter is about.

    A report with one case per chapter names its municipality in the chapter
    text; chunks of that chapter get only that municipality in their header.
    """
    munis = doc.meta.municipalities
    chapters: dict[str, list[str]] = {}
    for section in doc.sections:
        chapter = section.heading.split(" › ")[0]
        chapters.setdefault(chapter, []).append(doc.text[section.start : section.end])
    result = {}
    for chapter, texts in chapters.items():
        named = tuple(m for m in munis if _mentions(" ".join(texts), m))
        result[chapter] = named or munis
    return result


def _spans(text: str, section: Section, splitter: RecursiveCharacterTextSplitter):
    body = text[section.start : section.end]
    cursor = 0
    for piece in splitter.split_text(body):
        local = body.find(piece, cursor)
        if local < 0:  # the splitter only strips; a miss would be a bug in it
            local = body.find(piece)
        start = section.start + local
        yield start, start + len(piece)
        cursor = max(cursor, local + 1)


def _merge_small(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for start, end in spans:
        if pending is not None:
            start, pending = pending[0], None
        if end - start < MIN_CHUNK_CHARS:
            pending = (start, end)
            continue
        merged.append((start, end))
    if pending is not None:
        # A tail joins the previous chunk only if that keeps it near the chunk size:
        # the previous chunk may itself have absorbed a short piece already.
        if merged and pending[1] - merged[-1][0] <= limit:
            merged[-1] = (merged[-1][0], pending[1])
        else:
            merged.append(pending)
    return merged


def chunk_document(doc: Document, params: Chunking) -> list[Chunk]:
    """Split each section separately so a chunk never spans two headings."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=params.size,
        chunk_overlap=params.overlap,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    munis = section_municipalities(doc)
    chunks = []
    for section in doc.sections:
        spans = list(_spans(doc.text, section, splitter))
        for start, end in _merge_small(spans, params.size + MIN_CHUNK_CHARS):
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(doc.source, doc.sha256, start, end),
                    source=doc.source,
                    title=doc.meta.title,
                    section=section.heading,
                    start=start,
                    end=end,
                    text=doc.text[start:end],
                    municipalities=munis.get(section.heading.split(" › ")[0], ()),
                    page_start=doc.page_at(start),
                    page_end=doc.page_at(max(start, end - 1)),
                )
            )
    return chunks
