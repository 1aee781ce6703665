"""Building the index: round trip through disk, and incremental rebuilds by content hash."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import HERNING, KL_REPORT, VIBORG

from answer.build import build_index
from answer.search import Searcher
from base import __version__
from base.settings import Chunking, Settings
from index.encoder import HashingEmbedder
from index.lexical_write import LOCKS
from index.manifest import SCHEMA_VERSION, file_sha256
from index.store import CURRENT, Snapshot, current_path, load_snapshot
from ingest.chunk import chunk_document
from ingest.pipeline import scan_corpus, to_document

NEW_TEXT = (
    "Testrup Kommune indfører kvantesimulering i byggesagsbehandlingen\n\n"
    "Testrup Kommune har som den første kommune taget kvantesimulering i brug, når "
    "byggesager skal vurderes. Borgmesteren kalder det et gennembrud for sagsbehandlingen.\n\n"
    "Zylofonprojektet, som kommunen kalder forsøget, løber frem til sommeren."
)


def load(settings: Settings) -> Snapshot:
    return load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)


def generations(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.index_dir.glob("gen-*"))


def expected_chunks(settings: Settings) -> dict[str, list]:
    sources, _ = scan_corpus(settings.corpus_dir)
    return {s.source: chunk_document(to_document(s), settings.chunking) for s in sources}


def vectors_by_id(snapshot: Snapshot) -> dict[int, np.ndarray]:
    ids, vectors = snapshot.all_vectors()
    return {int(i): v for i, v in zip(ids, vectors, strict=True)}


def header_title(text: str) -> str:
    return text.split("\n", 1)[0].removeprefix("Titel: ")


def title_of(settings: Settings, source: str) -> str:
    return load(settings).documents[source].meta.title


# --- round trip -------------------------------------------------------------------------


def test_build_then_load_returns_the_same_documents_and_chunks(
    settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    report = build_index(settings, fake_embedder)
    snapshot = load(settings)

    sources, problems = scan_corpus(settings.corpus_dir)
    assert problems == [] and report.problems == []
    assert sorted(report.added) == sorted(s.source for s in sources)
    for src in sources:
        doc = to_document(src)
        assert snapshot.documents[src.source] == doc
    expected = [c for chunks in expected_chunks(settings).values() for c in chunks]
    assert sorted(snapshot.chunks.values(), key=lambda c: c.chunk_id) == sorted(
        expected, key=lambda c: c.chunk_id
    )
    assert report.chunks_embedded == report.chunks_total == len(expected) == snapshot.vectors.ntotal
    assert len(fake_embedder.documents_seen) == len(expected)

    # the stored vector of each chunk is the embedding of its embed_text()
    stored = vectors_by_id(snapshot)
    for chunk in expected[:10]:
        want = HashingEmbedder().embed_documents([chunk.embed_text()])[0]
        np.testing.assert_allclose(stored[chunk.chunk_id], want, rtol=1e-6)


def test_manifest_fields(settings: Settings, fake_embedder: HashingEmbedder) -> None:
    build_index(settings, fake_embedder)
    snapshot = load(settings)
    manifest = snapshot.manifest
    assert manifest.schema_version == SCHEMA_VERSION
    assert manifest.app_version == __version__
    assert manifest.model == "hashing" and manifest.dim == fake_embedder.dim
    assert manifest.chunking == settings.chunking.as_dict()
    sources, _ = scan_corpus(settings.corpus_dir)
    assert manifest.documents == {s.source: s.sha256 for s in sources}
    assert manifest.n_chunks == len(snapshot.chunks)
    created = datetime.fromisoformat(manifest.created_at)
    updated = datetime.fromisoformat(manifest.updated_at)
    assert created.tzinfo is not None and updated >= created
    # one checksum per file of the generation, and each is right; the stat cache of the
    # corpus (ingest/filestat.py) and Tantivy's lock files lie beside them, not in the index
    files = {
        p.relative_to(snapshot.path).as_posix()
        for p in snapshot.path.rglob("*")
        if p.is_file() and p.name not in {"manifest.json", "filestat.json", *LOCKS}
    }
    assert set(manifest.files) == files
    names = {f.rsplit("/", 1)[-1] for f in files if f.startswith("segments/")}
    assert {"vectors.npy", "chunks.jsonl", "documents.jsonl"} <= names
    keyword = {f.rsplit("/", 1)[-1] for f in files if f.startswith("lexical/")}
    assert "meta.json" in keyword and any(n.endswith(".idx") for n in keyword)  # Tantivy's
    assert manifest.lexical["engine"].startswith("tantivy ") and manifest.vectors
    assert set(manifest.sizes) == files
    for rel, digest in manifest.files.items():
        assert file_sha256(snapshot.path / rel) == digest


# --- incremental rebuilds ---------------------------------------------------------------


def test_changed_document_is_the_only_one_embedded(built: Settings) -> None:
    before = load(built)
    path = built.corpus_dir / VIBORG
    path.write_text(
        path.read_text(encoding="utf-8").replace("Viborg", "Viborg Kommune i Midtjylland", 1),
        encoding="utf-8",
    )
    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    after = load(built)

    assert report.updated == [VIBORG] and report.added == report.removed == []
    assert embedder.documents_seen, "the changed document was not embedded"
    viborg_title = title_of(built, VIBORG)
    assert {header_title(t) for t in embedder.documents_seen} == {viborg_title}
    assert report.chunks_embedded == len(embedder.documents_seen)

    old_vectors, new_vectors = vectors_by_id(before), vectors_by_id(after)
    for cid, chunk in before.chunks.items():
        if chunk.source != VIBORG:
            assert after.chunks[cid] == chunk  # same id, same record
            np.testing.assert_array_equal(new_vectors[cid], old_vectors[cid])
    new_viborg = {cid for cid, c in after.chunks.items() if c.source == VIBORG}
    assert new_viborg == {c.chunk_id for c in expected_chunks(built)[VIBORG]}
    assert after.documents[VIBORG].sha256 != before.documents[VIBORG].sha256
    assert after.manifest.created_at == before.manifest.created_at


def test_editing_one_paragraph_reembeds_only_the_chunks_that_changed(built: Settings) -> None:
    before = load(built)
    old_kl = {c.embed_text(): c for c in before.chunks.values() if c.source == KL_REPORT}
    path = built.corpus_dir / KL_REPORT
    raw = path.read_text(encoding="utf-8")
    old = "Det startede egentlig med, at vi ville finde ud af"
    assert raw.count(old) == 1
    path.write_text(raw.replace(old, "Det begyndte faktisk med, at vi ville undersøge"), "utf-8")

    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    after = load(built)
    new_kl = [c for c in after.chunks.values() if c.source == KL_REPORT]

    assert report.updated == [KL_REPORT]
    assert 1 <= report.chunks_embedded < len(new_kl)
    assert report.chunks_reused == len(new_kl) - report.chunks_embedded
    assert len(embedder.documents_seen) == report.chunks_embedded
    assert any("Det begyndte faktisk med" in t for t in embedder.documents_seen)
    assert all(t not in old_kl for t in embedder.documents_seen)
    # reused passages got new ids (the document changed) but keep their old vectors
    old_vectors, new_vectors = vectors_by_id(before), vectors_by_id(after)
    reused = [c for c in new_kl if c.embed_text() in old_kl]
    assert len(reused) == report.chunks_reused
    for chunk in reused:
        old_id = old_kl[chunk.embed_text()].chunk_id
        np.testing.assert_array_equal(new_vectors[chunk.chunk_id], old_vectors[old_id])


def test_deleted_document_is_gone_from_snapshot_and_search(built: Settings) -> None:
    query = "DISIMIT forskningsnetværk Poul Venø masterclass"
    searcher = Searcher(load(built), HashingEmbedder())
    assert searcher.search(query, k=3, mode="bm25").hits[0].chunk.source == HERNING

    (built.corpus_dir / HERNING).unlink()
    (built.corpus_dir / (HERNING + ".meta.json")).unlink()
    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    after = load(built)

    assert report.removed == [HERNING] and report.chunks_embedded == 0
    assert embedder.documents_seen == []
    assert HERNING not in after.documents and HERNING not in after.manifest.documents
    assert all(c.source != HERNING for c in after.chunks.values())
    assert after.vectors.ntotal == len(after.chunks)
    searcher = Searcher(after, HashingEmbedder())
    for mode in ("dense", "bm25", "hybrid"):
        hits = searcher.search(query, k=10, mode=mode).hits
        assert all(h.chunk.source != HERNING for h in hits), mode


def test_added_document_is_embedded_alone_and_searchable(built: Settings) -> None:
    (built.corpus_dir / "testrup.txt").write_text(NEW_TEXT, encoding="utf-8")
    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    after = load(built)

    new_chunks = [c for c in after.chunks.values() if c.source == "testrup.txt"]
    assert report.added == ["testrup.txt"]
    assert report.chunks_embedded == len(new_chunks) == len(embedder.documents_seen) >= 1
    assert after.documents["testrup.txt"].meta.title.startswith("Testrup Kommune indfører")
    searcher = Searcher(after, HashingEmbedder())
    for mode in ("bm25", "hybrid"):
        result = searcher.search("kvantesimulering af byggesager i Testrup", k=3, mode=mode)
        assert result.hits[0].chunk.source == "testrup.txt", mode


def test_renamed_document_reuses_its_vectors(built: Settings) -> None:
    before = load(built)
    for suffix in ("", ".meta.json"):
        (built.corpus_dir / (HERNING + suffix)).rename(built.corpus_dir / ("flyttet.txt" + suffix))
    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    after = load(built)
    assert report.added == ["flyttet.txt"] and report.removed == [HERNING]
    # same text, same header: the content-hash cache embeds nothing
    assert report.chunks_embedded == 0 and embedder.documents_seen == []
    old = sorted(c.text for c in before.chunks.values() if c.source == HERNING)
    assert sorted(c.text for c in after.chunks.values() if c.source == "flyttet.txt") == old


def test_noop_rebuild_embeds_nothing_and_writes_no_generation(built: Settings) -> None:
    gens = generations(built)
    pointer = (built.index_dir / CURRENT).read_text()
    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    assert not report.changed
    assert report.chunks_embedded == 0 and embedder.documents_seen == []
    assert len(report.unchanged) == 5
    assert generations(built) == gens
    assert (built.index_dir / CURRENT).read_text() == pointer


def test_full_rebuild_embeds_everything_again(built: Settings) -> None:
    before = load(built)
    embedder = HashingEmbedder()
    report = build_index(built, embedder, full=True)
    after = load(built)
    assert report.full and report.chunks_embedded == len(before.chunks)
    assert set(after.chunks) == set(before.chunks)
    assert after.path != before.path


def test_metadata_change_alone_updates_the_document(built: Settings) -> None:
    sidecar = built.corpus_dir / (HERNING + ".meta.json")
    sidecar.write_text('{"title": "Herning: ny titel", "municipalities": ["Herning"]}', "utf-8")
    embedder = HashingEmbedder()
    report = build_index(built, embedder)
    assert report.updated == [HERNING]
    # the title is in every chunk's header, so every Herning chunk is embedded again
    assert {header_title(t) for t in embedder.documents_seen} == {"Herning: ny titel"}
    assert load(built).documents[HERNING].meta.title == "Herning: ny titel"


def test_rebuild_with_another_model_starts_over(built: Settings) -> None:
    other = HashingEmbedder(dim=32, name="hashing:32")
    report = build_index(replace(built, model="hashing:32"), other)
    assert report.full
    assert report.chunks_embedded == report.chunks_total
    snapshot = load_snapshot(built.index_dir, model="hashing:32")
    assert snapshot.manifest.dim == 32 and snapshot.vectors.d == 32


def test_rebuild_with_other_chunking_starts_over(built: Settings) -> None:
    small = replace(built, chunking=Chunking(size=400, overlap=60))
    report = build_index(small, HashingEmbedder())
    assert report.full
    snapshot = load_snapshot(built.index_dir, chunking=small.chunking)
    assert max(len(c.text) for c in snapshot.chunks.values()) <= 400 + 150


def test_problem_file_is_reported_and_others_still_indexed(
    settings: Settings, fake_embedder: HashingEmbedder
) -> None:
    (settings.corpus_dir / "tom.txt").write_text("\n\n", encoding="utf-8")
    report = build_index(settings, fake_embedder)
    assert [p.source for p in report.problems] == ["tom.txt"]
    assert len(load(settings).documents) == 5


def test_empty_corpus_builds_an_empty_index_that_loads(tmp_path: Path) -> None:
    corpus = tmp_path / "tom"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    report = build_index(settings, HashingEmbedder())
    snapshot = load(settings)
    assert report.chunks_total == 0 and snapshot.vectors.ntotal == 0
    result = Searcher(snapshot, HashingEmbedder()).search("digital ledelse")
    assert result.hits == [] and result.abstained


@pytest.mark.parametrize("rounds", [3])
def test_old_generations_are_tidied(built: Settings, rounds: int) -> None:
    for i in range(rounds):
        (built.corpus_dir / f"ny{i}.txt").write_text(NEW_TEXT + f"\n\nRunde {i}.", "utf-8")
        build_index(built, HashingEmbedder())
    live = current_path(built.index_dir)
    # the live generation and the one before it (for readers still loading it)
    assert len(generations(built)) == 2 and live.name in generations(built)
