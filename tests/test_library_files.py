"""The library's file handling: safe names, type from content, limits, hostile uploads,
add / replace / remove / restore with the recycle bin and the audit log, queued builds."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from docmaker import zip_bomb
from library_app import PDF_QUESTION, zylofon_pdf

from answer.build import build_index
from answer.search import Searcher, open_searcher
from base.errors import LibraryError
from base.settings import Settings
from casechat.library import Library, form_meta
from casechat.library.builder import Builder
from casechat.library.catalog import INDEXED, rows
from casechat.library.corpus_files import TMP_PREFIX
from casechat.library.names import safe_name, sniff
from index.store import load_snapshot

TEXT = (
    "Zylofonbyen Kommune tester droner\n\n"
    "Zylofonbyen Kommune bruger droner til at se efter revner i skolernes tage, "
    "så ingen skal kravle rundt på glatte tage om vinteren.\n"
)


@pytest.fixture
def library(built: Settings, tmp_path: Path) -> Library:
    from dataclasses import replace

    return Library(replace(built, library_dir=tmp_path / "library")).open()


def upload(tmp_path: Path, name: str, data: bytes | str) -> tuple[Path, str]:
    path = tmp_path / "uploads" / f"{len(list(tmp_path.glob('uploads/*')))}.bin"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path, name


def corpus_state(settings: Settings) -> list[tuple[str, bytes]]:
    return sorted((p.name, p.read_bytes()) for p in settings.corpus_dir.iterdir())


@pytest.mark.parametrize(
    ("original", "fmt", "expected"),
    [
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("..\\..\\Windows\\rapport.pdf", "pdf", "rapport.pdf"),
        (".skjult.txt", "txt", "skjult.txt"),
        ("...", "txt", "dokument.txt"),
        ("rapport.pdf.meta.json", "pdf", "rapport.pdf"),
        ("viborg.txt.meta.json", "txt", "viborg.txt"),
        ("Årsrapport 2024 (endelig).PDF", "pdf", "Årsrapport-2024-endelig.pdf"),
        ("A\u030arhus.txt", "txt", "Århus.txt"),  # NFD becomes NFC
        ("rapport.exe", "pdf", "rapport.pdf"),  # the suffix follows the content
        ("README.md", "md", "README-dokument.md"),  # the corpus walk skips README.md
        ("a\x00b\nc.txt", "txt", "abc.txt"),
        ("x" * 500 + ".txt", "txt", "x" * 100 + ".txt"),
    ],
)
def test_safe_names(original: str, fmt: str, expected: str) -> None:
    assert safe_name(original, fmt) == expected


def test_type_is_sniffed_from_content() -> None:
    assert sniff(zylofon_pdf(), "rapport.txt") == "pdf"
    assert sniff(b"<!doctype html><html><title>x</title></html>", "side.htm") == "html"
    assert sniff(b"almindelig tekst", "noter.md") == "md"
    with pytest.raises(LibraryError, match="understøttes ikke"):
        sniff(b"MZ\x90\x00 binary", "program.exe")
    with pytest.raises(LibraryError, match="ikke en PDF"):
        sniff(b"bare tekst", "falsk.pdf")
    with pytest.raises(LibraryError, match="zip-arkiv"):
        sniff(b"PK\x03\x04 noget andet", "arkiv.txt")


def test_hostile_uploads_are_refused_and_change_nothing(library: Library, tmp_path: Path) -> None:
    from dataclasses import replace

    library.settings = replace(library.settings, max_upload_bytes=1024 * 1024)
    before = corpus_state(library.settings)
    taken, refused = library.check(
        [
            upload(tmp_path, "stor.txt", "a" * (2 * 1024 * 1024)),
            upload(tmp_path, "bombe.docx", zip_bomb(300 * 1024 * 1024)),
            upload(tmp_path, "program.exe", b"MZ\x90\x00" + bytes(range(256)) * 4),
            upload(tmp_path, "falsk.pdf", "<html><body>ikke en pdf</body></html>"),
            upload(tmp_path, "binær.txt", bytes(range(32)) * 400),
            upload(tmp_path, "tom.txt", ""),
        ]
    )
    assert taken == []
    reasons = {r.original: r.reason for r in refused}
    assert "grænsen er 1,0 MB" in reasons["stor.txt"]
    assert reasons["bombe.docx"]  # the DOCX reader's zip limits, in the sandbox
    assert "understøttes ikke" in reasons["program.exe"]
    assert "ikke en PDF" in reasons["falsk.pdf"]
    assert "binær" in reasons["binær.txt"] and "tom" in reasons["tom.txt"]
    assert corpus_state(library.settings) == before
    assert not any((library.staging).glob("*/*"))  # nothing left staged either


def test_too_many_files_at_once_are_refused(library: Library, tmp_path: Path) -> None:
    from dataclasses import replace

    library.settings = replace(library.settings, max_upload_files=2)
    with pytest.raises(LibraryError, match="højst tilføje 2 filer"):
        library.check([upload(tmp_path, f"{i}.txt", TEXT) for i in range(3)])


def test_add_replace_remove_restore_with_recycle_and_audit(
    library: Library, tmp_path: Path, fake_embedder
) -> None:
    settings = library.settings
    (candidate,), _ = library.check([upload(tmp_path, "../droner.txt", TEXT)])
    assert candidate.name == "droner.txt" and candidate.conflict is None
    assert candidate.found.title == "Zylofonbyen Kommune tester droner"
    meta = form_meta("Droner over skolerne", ["Viborg"], "2025-02-03", "Nyhed")
    library.add(candidate, meta, "mette")
    sidecar = json.loads((settings.corpus_dir / "droner.txt.meta.json").read_text())
    assert sidecar["title"] == "Droner over skolerne" and sidecar["municipalities"] == ["Viborg"]
    assert not list(settings.corpus_dir.glob(f"{TMP_PREFIX}*"))

    # The same name again is recognised and only replaced when asked.
    (again,), _ = library.check([upload(tmp_path, "droner.txt", TEXT + "\nEt nyt afsnit.\n")])
    assert again.conflict and again.conflict.why == "name"
    with pytest.raises(LibraryError, match="samme navn"):
        library.add(again, meta, "mette")
    build_index(settings, fake_embedder)
    fake_embedder.calls.clear() if hasattr(fake_embedder, "calls") else None
    change = library.add(again, meta, "mette", replace=True)
    assert change.action == "replace" and change.replaced == "droner.txt"
    report = build_index(settings, fake_embedder)
    assert report.updated == ["droner.txt"] and report.chunks_embedded <= 2  # changed only

    # The same content under another name is recognised too.
    (copy,), _ = library.check([upload(tmp_path, "kopi.txt", TEXT + "\nEt nyt afsnit.\n")])
    assert copy.conflict and copy.conflict.why == "content"

    library.remove("droner.txt", "mette")
    assert not (settings.corpus_dir / "droner.txt").exists()
    assert not (settings.corpus_dir / "droner.txt.meta.json").exists()
    build_index(settings, fake_embedder)
    searcher = open_searcher(settings, fake_embedder)
    assert "droner.txt" not in {h.chunk.source for h in searcher.search("droner tage", k=10).hits}
    entries = library.recycled()
    assert [e.reason for e in entries] == ["fjernet", "erstattet"]
    assert not str(settings.library).startswith(str(settings.corpus_dir))

    library.restore("droner.txt", "mette")  # the newest version comes back
    assert "Et nyt afsnit" in (settings.corpus_dir / "droner.txt").read_text()
    with pytest.raises(LibraryError, match="allerede et dokument"):
        library.restore(entries[1].id, "mette")
    actions = [(e.action, e.file, e.editor) for e in library.audit.events()]
    assert actions == [
        ("add", "droner.txt", "mette"),
        ("replace", "droner.txt", "mette"),
        ("remove", "droner.txt", "mette"),
        ("restore", "droner.txt", "mette"),
    ]
    assert all(len(e.sha256) == 64 for e in library.audit.events())


def test_remove_takes_only_listed_names(library: Library) -> None:
    for name in ["../index/CURRENT", "/etc/passwd", "nope.txt"]:
        with pytest.raises(LibraryError, match="intet dokument"):
            library.remove(name, "mette")


def test_two_uploads_at_once_both_land_and_builds_queue(
    library: Library, tmp_path: Path, fake_embedder
) -> None:
    settings = library.settings
    builder = Builder(settings, lambda: fake_embedder)
    files = [
        upload(tmp_path, f"samtidig-{i}.txt", TEXT.replace("droner", f"droner{i}"))
        for i in range(2)
    ]
    errors: list[Exception] = []

    def editor(i: int) -> None:
        try:
            (c,), _ = library.check([files[i]])
            library.add(c, c.found, f"redaktør{i}")
            builder.wait(builder.request([c.name]), 30)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    docs = load_snapshot(settings.index_dir).documents
    assert {"samtidig-0.txt", "samtidig-1.txt"} <= set(docs)
    statuses = {
        r.source: r.status
        for r in rows(settings, load_snapshot(settings.index_dir), builder.state())
    }
    assert statuses["samtidig-0.txt"] == statuses["samtidig-1.txt"] == INDEXED


def test_a_failed_build_keeps_the_old_index_and_marks_the_file(
    library: Library, tmp_path: Path, fake_embedder
) -> None:
    settings = library.settings
    old = load_snapshot(settings.index_dir).path.name

    class Broken(type(fake_embedder)):
        def embed_documents(self, texts, progress=None):
            raise OSError("disk full")

    builder = Builder(settings, Broken)
    (c,), _ = library.check([upload(tmp_path, "ny.txt", TEXT)])
    library.add(c, c.found, "mette")
    state = builder.wait(builder.request([c.name]), 30)
    assert state.error and "ny.txt" in state.failed
    assert load_snapshot(settings.index_dir).path.name == old
    row = {r.source: r for r in rows(settings, load_snapshot(settings.index_dir), state)}["ny.txt"]
    assert row.status.startswith("ikke indekseret")
    assert (settings.corpus_dir / "ny.txt").exists()  # nothing uploaded is lost


def test_a_pdf_is_found_with_its_page(library: Library, tmp_path: Path, fake_embedder) -> None:
    (c,), _ = library.check([upload(tmp_path, "zylofon.pdf", zylofon_pdf())])
    assert c.pages == 2 and "Fanø" in c.found.municipalities
    library.add(c, c.found, "mette")
    build_index(library.settings, fake_embedder)
    hits = (
        Searcher(load_snapshot(library.settings.index_dir), fake_embedder).search(PDF_QUESTION).hits
    )
    assert hits[0].chunk.source == "zylofon.pdf" and hits[0].chunk.page_start == 2
