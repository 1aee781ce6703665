"""Export: a conversation as Markdown and Word, with full citations; and `search --format`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from conftest import KL_REPORT
from typer.testing import CliRunner

from answer.search import open_searcher
from base.settings import Settings
from casechat.export import export_files, to_markdown, turn_from, write_docx
from cli import app
from index.encoder import HashingEmbedder

ODENSE = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
runner = CliRunner()


@pytest.fixture
def result(built: Settings):
    return open_searcher(built, HashingEmbedder()).search(ODENSE, k=2)


def word_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_markdown_holds_question_short_answer_and_citations(result) -> None:
    text = to_markdown([turn_from(ODENSE, result)])
    first = result.hits[0]
    assert f"## 1. {ODENSE}" in text and "**Kort svar:**" in text
    assert f"- **Dokument:** {first.document.meta.title}" in text
    assert f"- **Kilde:** {KL_REPORT}" in text and "- **Dato:** 7. november 2017" in text
    assert f"- **Afsnit:** {first.chunk.section}" in text
    assert "**Side:**" not in text  # a text file has no pages
    assert "> " + first.chunk.text.splitlines()[0] in text


def test_word_document_holds_the_same_citations(result, tmp_path: Path) -> None:
    path = write_docx(
        [turn_from(ODENSE, result), turn_from("Og i Viborg?", result)], tmp_path / "a.docx"
    )
    text = word_text(path)
    assert f"1. {ODENSE}" in text and "2. Og i Viborg?" in text
    for hit in result.hits:
        assert hit.document.meta.title in text and hit.chunk.text in text
    assert f"Kilde: {KL_REPORT}" in text and "Kort svar: " in text


def test_pages_are_cited_for_paged_documents(result) -> None:
    hit = result.hits[0]
    paged = replace(hit, chunk=replace(hit.chunk, page_start=3, page_end=4))
    turn = turn_from(ODENSE, replace(result, hits=[paged]))
    assert turn.citations[0].pages == "s. 3–4"
    assert "- **Side:** s. 3–4" in to_markdown([turn])


def test_export_files_writes_word_and_markdown(result, tmp_path: Path) -> None:
    word, markdown = export_files([turn_from(ODENSE, result)], tmp_path)
    assert word.suffix == ".docx" and markdown.suffix == ".md"
    assert result.hits[0].chunk.text in word_text(word)


def test_search_exports_as_word_and_markdown(cli_env: Settings, tmp_path: Path) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    out = tmp_path / "svar.docx"
    made = runner.invoke(app, ["search", ODENSE, "-k", "2", "--format", "docx", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert KL_REPORT in word_text(out)
    printed = runner.invoke(app, ["search", ODENSE, "-k", "2", "--format", "md"])
    assert printed.exit_code == 0 and printed.stdout.startswith("# Samtale fra casechat")
    inferred = tmp_path / "svar.md"
    assert runner.invoke(app, ["search", ODENSE, "--out", str(inferred)]).exit_code == 0
    assert f"- **Kilde:** {KL_REPORT}" in inferred.read_text(encoding="utf-8")
    # --json is unchanged
    rows = json.loads(runner.invoke(app, ["search", ODENSE, "--json"]).stdout)
    assert isinstance(rows, list) and rows[0]["source"] == KL_REPORT


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "docx"], "--out"),
        (["--format", "pdf", "--out", "x.pdf"], "md eller docx"),
        (["--json", "--format", "md"], "--json"),
    ],
)
def test_bad_export_options_exit_2_in_danish(cli_env: Settings, args, message) -> None:
    result = runner.invoke(app, ["search", ODENSE, *args])
    assert result.exit_code == 2 and message in result.stderr


def test_hostile_title_and_control_character_question_export_safely(result, tmp_path: Path) -> None:
    hostile = '<img src=x onerror="alert(1)"> Titel\n# falsk overskrift'
    first = result.hits[0]
    bad_doc = replace(first.document, meta=replace(first.document.meta, title=hostile))
    bad_hit = replace(first, document=bad_doc)
    turns = [
        turn_from("Et spørgsmål med styretegn \x00\x07\x1b og \ufffe?", result),
        turn_from(ODENSE, replace(result, hits=(bad_hit, *result.hits[1:]))),
    ]
    text = to_markdown(turns)
    assert "<img" not in text and "&lt;img src=x" in text
    assert "\n# falsk" not in text  # the title stays on its line
    assert not any(ch in text for ch in "\x00\x07\x1b\ufffe")
    paths = export_files(turns, tmp_path)  # Word raised ValueError on the control characters
    words = word_text(paths[0])
    assert "Et spørgsmål med styretegn  og ?" in words
    assert '<img src=x onerror="alert(1)"> Titel' in words  # Word shows it as plain text
    (tmp_path / "igen").mkdir()
    again = export_files([*turns, turn_from(ODENSE, result)], tmp_path / "igen")
    assert all(p.stat().st_size > 0 for p in again)  # later exports of the session still work
