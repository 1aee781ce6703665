"""Parsers run in a child process: a hanging, greedy or crashing parse costs one reason."""

from __future__ import annotations

import time
from pathlib import Path

import hostile
import pytest
from docmaker import BODY, docx_bytes, pdf_bytes, write

import ingest.pipeline
from answer.build import build_index
from base.errors import CorpusError
from base.settings import Settings
from index.encoder import HashingEmbedder
from ingest import readers
from ingest.readers.sandbox import parse_isolated, run_isolated


def test_child_returns_its_answer() -> None:
    assert run_isolated(hostile.answer, 21) == 42


def test_hanging_parser_is_killed_at_the_time_limit() -> None:
    started = time.monotonic()
    with pytest.raises(CorpusError, match="det tog over 1 s at læse filen"):
        run_isolated(hostile.hang, timeout=1)
    assert time.monotonic() - started < 5


def test_busy_loop_is_killed_too() -> None:
    with pytest.raises(CorpusError, match="det tog over 1 s"):
        run_isolated(hostile.spin, timeout=1)


def test_memory_limit_stops_a_greedy_parser() -> None:
    with pytest.raises(CorpusError, match="hukommelse"):
        run_isolated(hostile.eat_memory, memory=512 * 1024**2)


def test_crash_in_native_code_is_named() -> None:
    with pytest.raises(CorpusError, match="signal 11"):
        run_isolated(hostile.crash)


def test_parse_reports_hash_and_peak_memory(tmp_path: Path) -> None:
    path = write(tmp_path / "r.pdf", pdf_bytes([[("p", BODY * 3)]]))
    parsed = parse_isolated(path, "pdf", 10**7)
    assert parsed.document.page_count == 1 and "digital ledelse" in parsed.document.text
    assert 10 * 1024**2 < parsed.peak_rss_bytes < 1024**3


def test_a_hanging_file_does_not_stop_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "god.txt", f"God tekst\n\n{BODY}")
    write(corpus / "haenger.pdf", pdf_bytes([[("p", BODY * 2)]]))
    write(corpus / "notat.docx", docx_bytes(lambda d: d.add_paragraph(BODY)))
    real = ingest.pipeline.parse_isolated

    def parse(path: Path, fmt: str, max_bytes: int):
        if fmt == "pdf":
            return run_isolated(hostile.hang, timeout=1)
        return real(path, fmt, max_bytes)

    monkeypatch.setattr(ingest.pipeline, "parse_isolated", parse)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    report = build_index(settings, HashingEmbedder())
    assert report.added == ["god.txt", "notat.docx"]
    assert [(p.source, "det tog over 1 s" in p.reason) for p in report.problems] == [
        ("haenger.pdf", True)
    ]


def test_a_new_reader_version_rereads_only_that_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", f"En tekst\n\n{BODY}")
    write(corpus / "b.pdf", pdf_bytes([[("p", BODY * 3)]]))
    write(corpus / "c.docx", docx_bytes(lambda d: d.add_paragraph(BODY * 2)))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    first = build_index(settings, HashingEmbedder())
    assert first.problems == [] and len(first.added) == 3

    parsed: list[str] = []
    real = ingest.pipeline.parse_isolated

    def spy(path: Path, fmt: str, max_bytes: int):
        parsed.append(path.name)
        return real(path, fmt, max_bytes)

    monkeypatch.setattr(ingest.pipeline, "parse_isolated", spy)
    monkeypatch.setattr(readers.pdf, "VERSION", readers.pdf.VERSION + 1)
    embedder = HashingEmbedder()
    second = build_index(settings, embedder)
    assert parsed == ["b.pdf"]
    assert second.updated == ["b.pdf"] and second.unchanged == ["a.txt", "c.docx"]
    assert embedder.documents_seen == []  # same passages: vectors reused by content hash

    parsed.clear()
    third = build_index(settings, HashingEmbedder())
    assert parsed == [] and not third.changed
