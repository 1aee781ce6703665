"""The stat cache: unchanged files are not read again, every change is still seen, and
the corpus safety rules (ingest/load.py) hold for cached files too."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import ingest.filestat
import ingest.load
from answer.build import build_index
from base.errors import CorpusError
from base.settings import Settings
from index.encoder import HashingEmbedder
from index.store import current_path
from ingest.filestat import FILESTAT, StatCache
from ingest.pipeline import scan_corpus, to_document

BODY = "Kommunen har arbejdet med digital ledelse, og det har givet et fælles sprog. " * 4
LATER = time.time_ns() + 10**12  # a scan "started" long after these files were written


def write(path: Path, text: str, meta: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if meta is not None:
        sidecar = path.with_name(path.name + ".meta.json")
        sidecar.write_text(json.dumps(meta), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write(folder / "a.txt", f"Sag A\n\n{BODY}", {"title": "Sagen om A"})
    write(folder / "under" / "b.md", f"# Sag B\n\n{BODY} B.")
    write(folder / "c.txt", f"Sag C\n\n{BODY} C.")
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files whose bytes are read."""
    names: list[str] = []
    real = ingest.load._read_once

    def counting(path, *args):
        names.append(Path(path).name)
        return real(path, *args)

    monkeypatch.setattr(ingest.load, "_read_once", counting)
    return names


def _scan_twice(corpus: Path) -> tuple[list, list, StatCache]:
    first = StatCache(started_ns=LATER)
    fresh, _ = scan_corpus(corpus, stats=first)
    second = StatCache(known=first.seen, started_ns=LATER)
    cached, problems = scan_corpus(corpus, stats=second)
    assert not problems
    return fresh, cached, second


def test_unchanged_files_are_not_read_but_their_sidecars_are(
    corpus: Path, reads: list[str]
) -> None:
    first = StatCache(started_ns=LATER)
    fresh, _ = scan_corpus(corpus, stats=first)
    assert len(first.seen) == 3 and len(reads) == 4  # three files and one sidecar
    reads.clear()
    second = StatCache(known=first.seen, started_ns=LATER)
    cached, _ = scan_corpus(corpus, stats=second)
    assert reads == ["a.txt.meta.json"]
    assert not second.changed
    for old, new in zip(fresh, cached, strict=True):
        assert (new.source, new.sha256, new.format, new.meta) == (
            old.source,
            old.sha256,
            old.format,
            old.meta,
        )
        assert new.raw_text == "" and new.cached_key
        assert to_document(new) == to_document(old)  # read in full when it is needed


def test_a_rewrite_of_the_same_size_with_the_old_mtime_is_read_again(corpus: Path) -> None:
    path = corpus / "c.txt"
    first = StatCache(started_ns=LATER)
    scan_corpus(corpus, stats=first)
    before = os.stat(path)
    time.sleep(0.05)  # past the kernel's timestamp tick: the new ctime differs
    path.write_text(path.read_text(encoding="utf-8").replace("Sag C", "Sag X"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or rsync -t do
    assert os.stat(path).st_size == before.st_size
    sources, _ = scan_corpus(corpus, stats=StatCache(known=first.seen, started_ns=LATER))
    changed = next(s for s in sources if s.source == "c.txt")
    assert not changed.cached_key and "Sag X" in changed.raw_text


def test_a_changed_sidecar_or_a_new_one_is_read_again(corpus: Path) -> None:
    first = StatCache(started_ns=LATER)
    scan_corpus(corpus, stats=first)
    write(corpus / "c.txt", f"Sag C\n\n{BODY} C.", {"title": "Nu med titel"})  # same bytes
    (corpus / "a.txt.meta.json").unlink()
    sources, _ = scan_corpus(corpus, stats=StatCache(known=first.seen, started_ns=LATER))
    by_name = {s.source: s for s in sources}
    assert by_name["c.txt"].meta.title == "Nu med titel" and not by_name["c.txt"].cached_key
    assert by_name["a.txt"].meta is None and not by_name["a.txt"].cached_key
    assert by_name["under/b.md"].cached_key  # untouched


def test_files_written_just_before_the_scan_are_not_trusted(corpus: Path) -> None:
    stats = StatCache()  # starts now: the files are younger than RACY_NS
    sources, _ = scan_corpus(corpus, stats=stats)
    assert len(sources) == 3 and stats.seen == {}


def test_a_cached_file_replaced_by_a_link_out_of_the_corpus_is_refused(
    corpus: Path, tmp_path: Path
) -> None:
    first = StatCache(started_ns=LATER)
    scan_corpus(corpus, stats=first)
    secret = write(tmp_path / "outside" / "c.txt", f"Hemmelig\n\n{BODY}")
    (corpus / "c.txt").unlink()
    (corpus / "c.txt").symlink_to(secret)
    sources, problems = scan_corpus(corpus, stats=StatCache(known=first.seen, started_ns=LATER))
    assert [p.source for p in problems] == ["c.txt"] and "uden for" in problems[0].reason
    assert "c.txt" not in {s.source for s in sources}
    with pytest.raises(CorpusError, match="uden for"):
        ingest.load.read_source(corpus / "c.txt", corpus, first.seen["c.txt"])


def test_a_damaged_cache_is_ignored(tmp_path: Path) -> None:
    (tmp_path / FILESTAT).write_text('{"version": 1, "files": [1, 2]}', encoding="utf-8")
    assert StatCache.load(tmp_path).known == {}
    (tmp_path / FILESTAT).write_text("{", encoding="utf-8")
    assert StatCache.load(tmp_path).known == {}


def test_builds_read_only_new_files_and_full_and_verify_read_all(
    corpus: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest.filestat, "RACY_NS", -(10**12))  # trust the fresh files
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    embedder = HashingEmbedder()
    build_index(settings, embedder)
    assert (current_path(settings.index_dir) / FILESTAT).is_file()
    write(corpus / "d.txt", f"Sag D\n\n{BODY} D.")
    reads.clear()
    report = build_index(settings, embedder)
    assert report.added == ["d.txt"] and sorted(reads) == ["a.txt.meta.json", "d.txt"]
    reads.clear()
    assert not build_index(settings, embedder).changed
    assert reads == ["a.txt.meta.json"]
    for kind in ({"verify": True}, {"full": True}):
        reads.clear()
        build_index(settings, embedder, **kind)
        assert sorted(reads) == ["a.txt", "a.txt.meta.json", "b.md", "c.txt", "d.txt"], kind
    (current_path(settings.index_dir) / FILESTAT).write_text("garbage", encoding="utf-8")
    reads.clear()
    assert not build_index(settings, embedder).changed and len(reads) == 5


def test_cli_build_verify_reads_every_file(
    cli_env: Settings, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from cli import app

    monkeypatch.setattr(ingest.filestat, "RACY_NS", -(10**12))
    runner = CliRunner()
    assert runner.invoke(app, ["build"]).exit_code == 0
    files = len(reads)
    reads.clear()
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 0 and "uændret" in result.output and len(reads) < files
    reads.clear()
    result = runner.invoke(app, ["build", "--verify"])
    assert result.exit_code == 0 and "uændret" in result.output and len(reads) == files
