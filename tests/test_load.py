"""Loading: decoding Danish text, sidecar metadata, and files that must be skipped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, HADERSLEV, RINGKOEBING, VIBORG

from base.errors import CorpusError
from ingest.load import decode_text, discover, read_source
from ingest.pipeline import scan_corpus, to_document

DANISH = "Kære borgere i Ærø, Søby og Århus: æ ø å Æ Ø Å – én “god” idé."


def real_doc(name: str):
    return to_document(read_source(CORPUS / name, CORPUS))


BODY = "Kommunen har arbejdet med digital ledelse, og det har givet et fælles sprog."


def write(folder: Path, name: str, data: bytes | str, meta: dict | str | None = None) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if meta is not None:
        text = meta if isinstance(meta, str) else json.dumps(meta, ensure_ascii=False)
        path.with_name(path.name + ".meta.json").write_text(text, encoding="utf-8")
    return path


# --- decoding ---------------------------------------------------------------------------


def test_windows_1252_danish_decodes_to_correct_letters() -> None:
    # cp1252 has – “ ” where Latin-1 has control codes: both must come out right
    assert decode_text(DANISH.encode("cp1252")) == DANISH


def test_latin_1_danish_decodes_to_correct_letters() -> None:
    text = "Kære borgere på Ærø og i Søby: å, æ, ø og Å, Æ, Ø."
    assert decode_text(text.encode("latin-1")) == text


def test_utf8_with_and_without_bom() -> None:
    assert decode_text(b"\xef\xbb\xbf" + DANISH.encode("utf-8")) == DANISH
    assert decode_text(DANISH.encode("utf-8")) == DANISH


def test_binary_file_is_refused() -> None:
    with pytest.raises(CorpusError, match="binær"):
        decode_text(b"PK\x03\x04\x00\x00\x00binary zip")


def test_garbage_that_is_neither_utf8_nor_cp1252_is_refused() -> None:
    # bytes undefined in cp1252 (0x81, 0x8d, 0x8f, 0x90, 0x9d), many of them
    with pytest.raises(CorpusError, match="kan ikke læses"):
        decode_text(bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 50)


def test_cp1252_file_through_the_pipeline(tmp_path: Path) -> None:
    write(tmp_path, "gammel.txt", f"Gammel tekst\n\n{DANISH}\n\n{BODY}".encode("cp1252"))
    sources, problems = scan_corpus(tmp_path)
    assert problems == []
    doc = to_document(sources[0])
    assert DANISH in doc.text and "\ufffd" not in doc.text


# --- metadata ---------------------------------------------------------------------------


def test_file_without_metadata_takes_its_title_from_the_first_line(tmp_path: Path) -> None:
    write(tmp_path, "uden-meta.md", f"\n\n# **Digital ledelse i Testrup**\n\n{BODY}\n")
    (src,), problems = scan_corpus(tmp_path)
    assert problems == [] and src.meta is None
    doc = to_document(src)
    assert doc.meta.title == "Digital ledelse i Testrup"
    assert doc.meta.municipalities == ()
    assert doc.text.startswith("Digital ledelse i Testrup\n\n")


def test_fallback_title_skips_web_residue_and_dates(tmp_path: Path) -> None:
    write(tmp_path, "web.txt", f"Log ind\n×\n\n12. marts 2024\n\nMin titel\n\n{BODY}")
    (src,), _ = scan_corpus(tmp_path)
    assert to_document(src).meta.title == "Min titel"


@pytest.mark.parametrize("name", [VIBORG, HADERSLEV, RINGKOEBING])
def test_real_web_article_without_sidecar_gets_its_real_title(tmp_path: Path, name: str) -> None:
    # these saved web pages start with navigation or a date, not with the title
    shutil.copy(CORPUS / name, tmp_path / name)
    (src,), problems = scan_corpus(tmp_path)
    assert problems == [] and src.meta is None
    sidecar = json.loads((CORPUS / (name + ".meta.json")).read_text(encoding="utf-8"))
    doc = to_document(src)
    assert doc.meta.title == sidecar["title"]
    assert doc.text == real_doc(name).text  # cleaned exactly as with the sidecar


def test_sidecar_metadata_is_parsed(tmp_path: Path) -> None:
    meta = {
        "title": "  Testrup Kommune: en case  ",
        "municipalities": "Testrup",
        "date": "2024-01-31",
        "kind": "Artikel",
        "original_file": "999.txt",
    }
    write(tmp_path, "case.txt", f"Overskrift\n\n{BODY}", meta)
    (src,), problems = scan_corpus(tmp_path)
    assert problems == []
    assert src.meta.title == "Testrup Kommune: en case"
    assert src.meta.municipalities == ("Testrup",)  # a single string becomes a tuple
    assert src.meta.date == "2024-01-31" and src.meta.kind == "Artikel"


def test_real_corpus_metadata_matches_its_sidecars() -> None:
    sources, problems = scan_corpus(CORPUS)
    assert problems == []
    assert len(sources) == len(list(CORPUS.glob("*.txt.meta.json"))) == 5
    for src in sources:
        raw = json.loads((CORPUS / (src.source + ".meta.json")).read_text(encoding="utf-8"))
        assert src.meta.title == raw["title"]
        assert list(src.meta.municipalities) == raw["municipalities"]


def test_invalid_sidecar_json_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "god.txt", f"God\n\n{BODY}", {"title": "God"})
    write(tmp_path, "daarlig.txt", f"Dårlig\n\n{BODY}", '{"title": "Dårlig",')
    sources, problems = scan_corpus(tmp_path)
    assert [s.source for s in sources] == ["god.txt"]
    assert [p.source for p in problems] == ["daarlig.txt"]
    assert "ikke gyldig JSON" in problems[0].reason
    assert "daarlig.txt.meta.json" in problems[0].reason


@pytest.mark.parametrize(
    "meta", ['["en liste"]', '{"title": "  "}', '{"title": null, "kind": "Artikel"}']
)
def test_sidecar_without_a_title_is_a_problem(tmp_path: Path, meta: str) -> None:
    write(tmp_path, "case.txt", f"Case\n\n{BODY}", meta)
    sources, problems = scan_corpus(tmp_path)
    assert sources == []
    assert "'title'" in problems[0].reason


def test_changing_only_the_sidecar_changes_the_hash(tmp_path: Path) -> None:
    path = write(tmp_path, "case.txt", f"Case\n\n{BODY}", {"title": "Case"})
    before = read_source(path, tmp_path).sha256
    path.with_name("case.txt.meta.json").write_text('{"title": "Ny titel"}', encoding="utf-8")
    assert read_source(path, tmp_path).sha256 != before


# --- which files are read ---------------------------------------------------------------


def test_unusable_files_are_listed_with_a_reason(tmp_path: Path) -> None:
    write(tmp_path, "ok.txt", f"Ok\n\n{BODY}")
    write(tmp_path, "tom.txt", "  \n\n ")
    write(tmp_path, "binaer.txt", b"\x00\x01\x02 not text")
    write(tmp_path, "rapport.ods", b"PK\x03\x04")
    write(tmp_path, "kun-stoej.txt", "Log ind\n\n×\n\n12\n")
    sources, problems = scan_corpus(tmp_path)
    assert [s.source for s in sources] == ["kun-stoej.txt", "ok.txt"]
    reasons = {p.source: p.reason for p in problems}
    assert set(reasons) == {"tom.txt", "binaer.txt", "rapport.ods"}
    assert "tom" in reasons["tom.txt"]
    assert "binær" in reasons["binaer.txt"]
    assert ".ods" in reasons["rapport.ods"]
    # a file of nothing but residue is refused when it is turned into a document
    noise = next(s for s in sources if s.source == "kun-stoej.txt")
    with pytest.raises(CorpusError, match="ingen tekst"):
        to_document(noise)


def test_hidden_files_readme_and_sidecars_are_not_documents(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", f"A\n\n{BODY}", {"title": "A"})
    write(tmp_path, ".skjult.txt", f"Skjult\n\n{BODY}")
    write(tmp_path, "README.md", "# Om korpusset\n\nDenne mappe indeholder cases.")
    write(tmp_path, "under/b.md", f"# B\n\n{BODY}")
    sources, problems = scan_corpus(tmp_path)
    assert [s.source for s in sources] == ["a.txt", "under/b.md"]
    assert problems == []


def test_symlink_out_of_the_corpus_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/hemmelig.txt", f"Hemmelig\n\n{BODY}")
    corpus = tmp_path / "corpus"
    write(corpus, "a.txt", f"A\n\n{BODY}")
    (corpus / "link.txt").symlink_to(outside)
    sources, problems = scan_corpus(corpus)
    assert [s.source for s in sources] == ["a.txt"]
    assert [p.source for p in problems] == ["link.txt"]


def test_missing_corpus_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="Opret den"):
        discover(tmp_path / "findes-ikke")
