"""Bad corpus files: every good file is indexed, each bad one is reported with its reason,
and nothing outside the corpus folder is ever opened (tests/test_load.py has the basics)."""

from __future__ import annotations

import builtins
import io
import os
import random
from pathlib import Path

import pytest
from conftest import HADERSLEV, HERNING, KL_REPORT, RINGKOEBING, VIBORG
from typer.testing import CliRunner

import index.build
import ingest.load
from answer.build import build_index
from answer.search import Searcher
from base.errors import CorpusError
from base.settings import Settings
from cli import app
from index.encoder import HashingEmbedder
from index.store import load_snapshot
from ingest.load import MAX_FILE_BYTES, decode_text, read_source
from ingest.pipeline import scan_corpus

BODY = "Kommunen har arbejdet med digital ledelse, og det har givet et fælles sprog."
DANISH = "Ærøskøbing Kommune: æbler, øl og ål – “de små øer” får én fælles løsning."
SECRET = "hemmeligtordudenfor"


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


class OpenRecorder:
    """Every path the code opens (builtins.open, io.open, os.open) once `watch()` is called;
    opening a forbidden path fails the test."""

    def __init__(self, forbidden: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: list[str] = []
        self.forbidden = [str(p.resolve()) for p in forbidden]
        self.monkeypatch = monkeypatch

    def watch(self) -> None:
        for owner in (builtins, io, os):
            self.monkeypatch.setattr(owner, "open", self._wrap(owner.open))

    def _wrap(self, real):
        def opener(file, *args, **kwargs):
            if isinstance(file, str | bytes | os.PathLike):
                path = os.path.realpath(os.fsdecode(file))
                self.opened.append(path)
                if any(path == f or path.startswith(f + os.sep) for f in self.forbidden):
                    raise AssertionError(f"opened a forbidden path: {path}")
            return real(file, *args, **kwargs)

        return opener

    def touched(self, folder: Path) -> list[str]:
        root = str(folder.resolve())
        return [p for p in self.opened if p == root or p.startswith(root + os.sep)]


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> OpenRecorder:
    """Call `.watch()` once the test's files are in place."""
    return OpenRecorder([tmp_path / "outside"], monkeypatch)


def bad_corpus(corpus: Path, outside: Path) -> dict[str, str]:
    """Add every kind of bad file to a copy of the real corpus; {source: expected reason}."""
    write(outside / "hemmelig.txt", f"Hemmelig\n\n{SECRET} {BODY}")
    write(outside / "hemmelig.txt.meta.json", '{"title": "Hemmelig"}')
    write(outside / "mappe" / "mere.txt", f"Mere\n\n{SECRET} {BODY}")

    write(corpus / "tom.txt", b"")
    write(corpus / "blank.md", " \n\t\n\r\n  ")
    write(corpus / "kun-bom.txt", b"\xef\xbb\xbf")
    rng = random.Random(6)
    write(corpus / "stoej.txt", bytes(rng.randrange(256) for _ in range(20_000)))
    write(corpus / "kontroltegn.txt", bytes(rng.randrange(1, 32) for _ in range(5_000)))
    write(
        corpus / "billede.txt",
        b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4000)),
    )
    write(corpus / "udefineret.md", bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 60)
    with (corpus / "kaempe.txt").open("wb") as handle:  # sparse: 50 MB on paper, no disk
        handle.truncate(50 * 10**6)
    write(corpus / "rapport.pdf", b"%PDF-1.4\n")
    write(corpus / "noter", BODY)
    write(corpus / "billede.jpg", b"\xff\xd8\xff\xe0")
    (corpus / "link-ud.txt").symlink_to(outside / "hemmelig.txt")
    (corpus / "mappe-ud").symlink_to(outside / "mappe", target_is_directory=True)
    (corpus / "mappe-ind").symlink_to(corpus / "undermappe", target_is_directory=True)
    write(corpus / "undermappe" / "god.md", f"# Undermappe\n\n{BODY} Undermappeord.")
    write(corpus / "med-fremmed-meta.txt", f"Fremmed meta\n\n{BODY} Fremmedord.")
    (corpus / "med-fremmed-meta.txt.meta.json").symlink_to(outside / "hemmelig.txt.meta.json")
    write(corpus / "kopi-af-viborg.txt", (corpus / VIBORG).read_bytes())
    herning = (corpus / HERNING).read_text(encoding="utf-8")
    write(corpus / "herning-cp1252.txt", herning.replace("\n", "\r\n").encode("cp1252"))
    os.mkfifo(corpus / "roer.txt")  # opening a pipe with no writer would hang the build
    write(corpus / os.fsdecode(b"caf\xe9.txt"), f"Café\n\n{BODY}")
    return {
        "tom.txt": "filen er tom",
        "blank.md": "filen er tom",
        "kun-bom.txt": "filen er tom",
        "stoej.txt": "binær",
        "kontroltegn.txt": "binær",
        "billede.txt": "binær",
        "udefineret.md": "hverken UTF-8 eller Windows-1252",
        "kaempe.txt": "filen er 50 MB; grænsen er 20 MB",
        "rapport.pdf": "PDF-filen er beskadiget",  # a header and nothing else
        "noter": "filtypen (ingen) understøttes ikke",
        "billede.jpg": "filtypen .jpg understøttes ikke",
        "link-ud.txt": "peger uden for korpusmappen",
        "mappe-ud": "mappen er et link uden for korpusmappen",
        "mappe-ind": "mappen er et link til en anden mappe i korpusset",
        "med-fremmed-meta.txt": "metadatafilen med-fremmed-meta.txt.meta.json er et link uden for",
        "kopi-af-viborg.txt": f"samme tekst som {VIBORG}",
        "herning-cp1252.txt": f"samme tekst som {HERNING}",
        "roer.txt": "ikke en almindelig fil",
        "caf\\xe9.txt": "filnavnet er ikke gyldig UTF-8",
    }


GOOD = [
    "cp1252.txt",
    "latin1.txt",
    "utf16.txt",
    "blandet.md",
    "undermappe/god.md",
    HADERSLEV,
    HERNING,
    KL_REPORT,
    RINGKOEBING,
    VIBORG,
]


def good_files(corpus: Path) -> None:
    write(corpus / "cp1252.txt", f"Gammel Word-fil\n\n{DANISH}\n\n{BODY}".encode("cp1252"))
    write(corpus / "latin1.txt", f"Latin-1\n\nSøby på Ærø og Åbenrå.\n\n{BODY}".encode("latin-1"))
    write(
        corpus / "utf16.txt", f"Notesblok\n\nGlædelig øvelse i Ålborg.\n\n{BODY}".encode("utf-16")
    )
    mixed = "Blandet\n\nFørste del er UTF-8: æbleø.\n".encode() + (
        f"Anden del er Windows-1252: ålegræs.\n\n{BODY}\n".encode("cp1252")
    )
    write(corpus / "blandet.md", mixed)


def test_bad_files_are_reported_and_good_ones_indexed(
    settings: Settings, tmp_path: Path, recorder: OpenRecorder
) -> None:
    expected = bad_corpus(settings.corpus_dir, tmp_path / "outside")
    good_files(settings.corpus_dir)
    recorder.watch()
    report = build_index(settings, HashingEmbedder())

    reasons = {p.source: p.reason for p in report.problems}
    assert set(reasons) == set(expected)
    for source, reason in expected.items():
        assert reason in reasons[source], (source, reasons[source])
    documents = load_snapshot(settings.index_dir).documents
    assert sorted(documents) == sorted(GOOD)
    assert not any(SECRET in doc.text for doc in documents.values())
    assert recorder.touched(tmp_path / "outside") == []  # not even opened
    assert not any(p.endswith("kaempe.txt") for p in recorder.opened), "refused by size, unread"
    assert not any(p.endswith("roer.txt") for p in recorder.opened)


def test_danish_letters_survive_every_encoding(settings: Settings) -> None:
    good_files(settings.corpus_dir)
    build_index(settings, HashingEmbedder())
    docs = load_snapshot(settings.index_dir).documents
    assert DANISH in docs["cp1252.txt"].text
    assert "Søby på Ærø og Åbenrå." in docs["latin1.txt"].text
    assert "Glædelig øvelse i Ålborg." in docs["utf16.txt"].text
    mixed = docs["blandet.md"].text
    assert "æbleø" in mixed and "ålegræs" in mixed and "Ã" not in mixed
    for doc in docs.values():
        assert "\ufffd" not in doc.text
    searcher = Searcher(load_snapshot(settings.index_dir), HashingEmbedder())
    hits = searcher.search("ålegræs", mode="bm25").hits
    assert hits and hits[0].chunk.source == "blandet.md"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Kære Ærø".encode("utf-16-le"), None),  # no BOM: refused, cannot be told from binary
        (b"\xff\xfe" + "Kære Ærø".encode("utf-16-le"), "Kære Ærø"),
        (b"\xfe\xff" + "Kære Ærø".encode("utf-16-be"), "Kære Ærø"),
        (b"\xef\xbb\xbf" + "Kære Ærø".encode(), "Kære Ærø"),
        ("æ\n".encode() + "ø\r\n".encode("cp1252") + "å".encode(), "æ\nø\r\nå"),
        (b"ok " * 100 + b"\x1b\x02\x03" * 10, None),  # 30 control bytes in 330: binary
        (b"Side 1\x0cSide 2\tmed tab\x0b", "Side 1\x0cSide 2\tmed tab\x0b"),  # PDF page breaks
    ],
)
def test_decoding_edge_cases(data: bytes, text: str | None) -> None:
    if text is None:
        with pytest.raises(CorpusError, match="binær"):
            decode_text(data)
    else:
        assert decode_text(data) == text


def test_a_file_that_changes_while_it_is_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "skrives.txt", f"Skrives\n\n{BODY}")
    real = ingest.load._read_once
    calls = []

    def writer_appends_once(*args):
        result = real(*args)
        calls.append(result[0])
        if len(calls) == 1:  # an editor saves more text while we read
            with path.open("a", encoding="utf-8") as handle:
                handle.write(" Og så et nyt afsnit.")
        return result

    monkeypatch.setattr(ingest.load, "_read_once", writer_appends_once)
    src = read_source(path, tmp_path)
    assert len(calls) == 2
    assert src.raw_text.endswith("Og så et nyt afsnit.")


def test_a_file_replaced_by_an_atomic_save_while_read_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "gemmes.txt", f"Version A\n\n{BODY}")
    real = ingest.load._read_once
    calls = []

    def editor_replaces_once(*args):
        result = real(*args)
        calls.append(result)
        if len(calls) == 1:  # same size, new inode: how editors save
            tmp = write(tmp_path / "gemmes.tmp", f"Version B\n\n{BODY}")
            os.replace(tmp, path)
        return result

    monkeypatch.setattr(ingest.load, "_read_once", editor_replaces_once)
    assert read_source(path, tmp_path).raw_text.startswith("Version B")
    assert len(calls) == 2


def test_a_file_that_never_settles_is_skipped_with_a_reason(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings.corpus_dir / VIBORG
    real = ingest.load._read_once

    def always_growing(file, *args):
        result = real(file, *args)
        if Path(file) == path:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(" mere")
        return result

    monkeypatch.setattr(ingest.load, "_read_once", always_growing)
    report = build_index(settings, HashingEmbedder())
    assert [(p.source, "blev ændret, mens den blev læst" in p.reason) for p in report.problems] == [
        (VIBORG, True)
    ]
    assert len(report.added) == 4


def test_a_file_that_vanishes_or_is_unreadable_has_a_danish_reason(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = ingest.load._read_once

    def failing(file, *args):
        if Path(file).name == VIBORG:
            raise FileNotFoundError(2, "No such file or directory")
        if Path(file).name == HERNING:
            raise PermissionError(13, "Permission denied")
        return real(file, *args)

    monkeypatch.setattr(ingest.load, "_read_once", failing)
    _, problems = scan_corpus(settings.corpus_dir)
    reasons = {p.source: p.reason for p in problems}
    assert "slettet under læsningen" in reasons[VIBORG]
    assert "ikke adgang" in reasons[HERNING]


def test_a_file_that_crashes_cleaning_is_skipped_and_the_rest_indexed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = index.build.to_document

    def buggy(src, **kwargs):
        if src.source == VIBORG:
            raise IndexError("list index out of range")
        return real(src, **kwargs)

    monkeypatch.setattr(index.build, "to_document", buggy)
    report = build_index(settings, HashingEmbedder())
    assert [p.source for p in report.problems] == [VIBORG]
    assert "IndexError" in report.problems[0].reason
    assert len(report.added) == 4


def test_a_good_file_turning_bad_leaves_the_index_and_is_reported(built: Settings) -> None:
    write(built.corpus_dir / VIBORG, b"\x00\x01binary now")
    report = build_index(built, HashingEmbedder())
    assert report.removed == [VIBORG]
    assert [p.source for p in report.problems] == [VIBORG]
    assert VIBORG not in load_snapshot(built.index_dir).documents


def test_hidden_folders_are_not_walked(settings: Settings) -> None:
    write(settings.corpus_dir / ".git" / "description", "Unnamed repository")
    write(settings.corpus_dir / ".git" / "noter.txt", f"Git\n\n{BODY}")
    sources, problems = scan_corpus(settings.corpus_dir)
    assert problems == [] and len(sources) == 5


def test_the_size_limit_is_checked_before_reading(tmp_path: Path, recorder: OpenRecorder) -> None:
    path = tmp_path / "stor.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    recorder.watch()
    with pytest.raises(CorpusError, match="grænsen er 20 MB. Del teksten op"):
        read_source(path, tmp_path)
    assert recorder.opened == []


runner = CliRunner()


def test_cli_build_warns_per_file_and_strict_fails(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = bad_corpus(cli_env.corpus_dir, tmp_path / "outside")
    lenient = runner.invoke(app, ["build"])
    assert lenient.exit_code == 0, lenient.output
    warnings = [ln for ln in lenient.stderr.splitlines() if ln.startswith("Advarsel: ")]
    assert len(warnings) == len(expected)
    for source, reason in expected.items():
        line = f"Advarsel: {source} springes over: "
        assert any(w.startswith(line) and reason in w for w in warnings), (source, warnings)
    assert "Traceback" not in lenient.output
    assert lenient.stdout.startswith("Færdig: 6 tilføjet")  # 5 cases + undermappe/god.md

    strict = runner.invoke(app, ["build", "--strict"])
    assert strict.exit_code == 2
    assert f"Fejl: {len(expected)} fil(er) blev sprunget over (--strict)." in strict.stderr


def test_a_copy_added_later_does_not_evict_the_indexed_original(built: Settings) -> None:
    # "a-kopi.txt" sorts first and has metadata too; still the indexed file stays
    for suffix in ("", ".meta.json"):
        data = (built.corpus_dir / (VIBORG + suffix)).read_bytes()
        write(built.corpus_dir / ("a-kopi.txt" + suffix), data)
    report = build_index(built, HashingEmbedder())
    assert not report.changed
    assert [(p.source, p.reason) for p in report.problems] == [
        ("a-kopi.txt", f"samme tekst som {VIBORG}; den indekseres kun én gang")
    ]
    _, problems = scan_corpus(built.corpus_dir)  # no index: the first by name is kept
    assert [(p.source, p.reason.split(";")[0]) for p in problems] == [
        (VIBORG, "samme tekst som a-kopi.txt")
    ]
