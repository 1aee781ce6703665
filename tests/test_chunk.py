"""Chunking: passages point into the cleaned text, stay inside a section, carry a header."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import CORPUS, HERNING, KL_REPORT

from base.settings import Chunking
from ingest.chunk import MIN_CHUNK_CHARS, chunk_document, chunk_id
from ingest.document import Chunk, Document, DocumentMeta, Section
from ingest.load import read_source
from ingest.pipeline import to_document

NAMES = sorted(p.name for p in CORPUS.glob("*.txt"))
CHUNKINGS = [Chunking(), Chunking(size=300, overlap=50)]


@cache
def real(name: str) -> Document:
    return to_document(read_source(CORPUS / name, CORPUS))


@cache
def real_chunks(name: str, chunking: Chunking = Chunking()) -> list[Chunk]:
    return chunk_document(real(name), chunking)


@pytest.mark.parametrize("chunking", CHUNKINGS, ids=lambda c: f"size{c.size}")
@pytest.mark.parametrize("name", NAMES)
def test_chunk_text_is_the_document_slice(name: str, chunking: Chunking) -> None:
    doc = real(name)
    chunks = real_chunks(name, chunking)
    assert chunks
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text.strip() == chunk.text and chunk.text
        assert chunk.source == name and chunk.title == doc.meta.title


@pytest.mark.parametrize("chunking", CHUNKINGS, ids=lambda c: f"size{c.size}")
@pytest.mark.parametrize("name", NAMES)
def test_chunks_never_cross_a_section(name: str, chunking: Chunking) -> None:
    doc = real(name)
    for chunk in real_chunks(name, chunking):
        inside = [s for s in doc.sections if s.start <= chunk.start and chunk.end <= s.end]
        assert len(inside) == 1, f"chunk {chunk.start}-{chunk.end} is not inside one section"
        assert inside[0].heading == chunk.section


@pytest.mark.parametrize("chunking", CHUNKINGS, ids=lambda c: f"size{c.size}")
@pytest.mark.parametrize("name", NAMES)
def test_no_chunk_is_much_longer_than_the_chunk_size(name: str, chunking: Chunking) -> None:
    # a short tail (< MIN_CHUNK_CHARS) is merged into its neighbour: that is "a little"
    longest = max(len(c.text) for c in real_chunks(name, chunking))
    assert longest <= chunking.size + MIN_CHUNK_CHARS


@pytest.mark.parametrize("name", NAMES)
def test_chunks_cover_every_word_of_the_document(name: str) -> None:
    doc = real(name)
    covered = [False] * len(doc.text)
    for chunk in real_chunks(name):
        covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
    lost = "".join(ch for ch, seen in zip(doc.text, covered, strict=True) if not seen)
    assert lost.strip() == ""


@pytest.mark.parametrize("name", NAMES)
def test_chunk_ids_are_unique_stable_positive_int64(name: str) -> None:
    first = chunk_document(real(name), Chunking())
    again = chunk_document(real(name), Chunking())
    ids = [c.chunk_id for c in first]
    assert ids == [c.chunk_id for c in again]
    assert len(set(ids)) == len(ids)
    assert all(0 <= i < 2**63 for i in ids)


def test_chunk_id_depends_on_document_content() -> None:
    assert chunk_id("a.txt", "sha1", 0, 10) == chunk_id("a.txt", "sha1", 0, 10)
    assert chunk_id("a.txt", "sha1", 0, 10) != chunk_id("a.txt", "sha2", 0, 10)
    assert chunk_id("a.txt", "sha1", 0, 10) != chunk_id("b.txt", "sha1", 0, 10)


def test_chunk_record_round_trip() -> None:
    for chunk in real_chunks(KL_REPORT):
        assert Chunk.from_record(chunk.to_record()) == chunk


# --- section-aware municipality header -------------------------------------------------


def test_kl_report_copenhagen_chapter_carries_only_copenhagen() -> None:
    chunks = real_chunks(KL_REPORT)
    chapter3 = [c for c in chunks if c.section.startswith("3. ")]
    assert len(chapter3) >= 5
    for chunk in chapter3:
        assert chunk.municipalities == ("København",)
        header = chunk.embed_text().split("\n\n", 1)[0]
        assert "Kommune: København" in header
        assert "Odense" not in header and "Glostrup" not in header
        assert f"Afsnit: {chunk.section}" in header
    # a Copenhagen passage that never names the city is still tied to it by the header
    assert any("København" not in c.text for c in chapter3)


def test_kl_report_other_chapters_carry_their_own_municipalities() -> None:
    chunks = real_chunks(KL_REPORT)
    by_chapter = {c.section.split(" › ")[0][:2]: c.municipalities for c in chunks}
    assert by_chapter["2."] == ("Glostrup", "Albertslund")
    assert by_chapter["4."] == ("Odense",)
    assert by_chapter["1."] == ("Glostrup", "Albertslund", "København", "Odense")


def test_single_case_document_header() -> None:
    chunk = real_chunks(HERNING)[0]
    title = real(HERNING).meta.title
    assert chunk.municipalities == ("Herning",)
    assert chunk.embed_text() == f"Titel: {title}\nKommune: Herning\n\n{chunk.text}"


def test_document_without_headings_is_one_untitled_section() -> None:
    text = "\n\n".join(f"Afsnit nummer {i} om digital ledelse i kommunen. " * 4 for i in range(9))
    doc = to_document_from_text(text)
    chunks = chunk_document(doc, Chunking(size=300, overlap=50))
    assert len(chunks) > 3
    assert {c.section for c in chunks} == {""}
    assert all("Afsnit:" not in c.embed_text() for c in chunks)


def to_document_from_text(text: str) -> Document:
    meta = DocumentMeta(title="Syntetisk")
    return Document("syntetisk.txt", text, meta, "sha", (Section("", 0, len(text)),))
