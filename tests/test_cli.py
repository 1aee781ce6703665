"""The `casechat` command: build, search --json, and errors that say what to do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from conftest import KL_REPORT, casechat_command
from typer.testing import CliRunner

from base.settings import Settings
from cli import app

runner = CliRunner()
KEYS = {"text", "score", "source", "title", "section", "start", "end", "chunk_id"}


def one_line_error(result) -> str:
    """The error output: exactly one line, starting with "Fejl:"."""
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fejl: ")
    return lines[0]


def test_build_then_search_json(cli_env: Settings) -> None:
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0, built.output
    assert "Færdig:" in built.stdout and "5 tilføjet" in built.stdout

    result = runner.invoke(
        app, ["search", "Hvad er et velfærdsteknologisk CV?", "--json", "-k", "4"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 4
    for row in rows:
        assert KEYS <= set(row)
        assert isinstance(row["chunk_id"], int) and isinstance(row["score"], float)
        assert row["end"] - row["start"] == len(row["text"])
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True), "best first"
    assert [row["rank"] for row in rows] == [1, 2, 3, 4]
    assert rows[0]["source"] == KL_REPORT
    assert "CV" in rows[0]["text"]
    # the offsets point into the indexed document text
    from index.store import load_snapshot

    snapshot = load_snapshot(cli_env.index_dir)
    for row in rows:
        doc = snapshot.documents[row["source"]]
        assert doc.text[row["start"] : row["end"]] == row["text"]
        assert row["title"] == doc.meta.title


def test_second_build_reports_no_change(cli_env: Settings) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    again = runner.invoke(app, ["build"])
    assert again.exit_code == 0
    assert again.stdout.strip().startswith("Indekset er uændret")
    assert "0 tekststykker embedded" in again.stdout


def test_plain_search_prints_citations(cli_env: Settings) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    result = runner.invoke(app, ["search", "velfærdsteknologisk CV", "-k", "2"])
    assert result.exit_code == 0
    # The short answer quotes the best sentences word for word, then the passages follow.
    assert result.stdout.startswith("Kort svar: »")
    assert "\n[1] " in result.stdout and "\n[2] " in result.stdout
    assert KL_REPORT in result.stdout


def test_search_without_index_says_run_build(cli_env: Settings) -> None:
    result = runner.invoke(app, ["search", "digital ledelse", "--json"])
    assert result.exit_code != 0
    assert "`casechat build`" in one_line_error(result)
    assert result.stdout == ""


def test_search_with_mismatched_model_says_build_full(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    monkeypatch.setenv("CASECHAT_MODEL", "hashing:32")
    result = runner.invoke(app, ["search", "digital ledelse"])
    assert result.exit_code != 0
    line = one_line_error(result)
    assert "`casechat build --full`" in line and "hashing:32" in line


def test_empty_question_is_refused(cli_env: Settings) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    result = runner.invoke(app, ["search", "   "])
    assert result.exit_code != 0
    assert "Skriv et spørgsmål" in one_line_error(result)


def test_unknown_search_mode_is_refused(cli_env: Settings) -> None:
    assert runner.invoke(app, ["build"]).exit_code == 0
    result = runner.invoke(app, ["search", "digital ledelse", "--mode", "magisk"])
    assert result.exit_code != 0
    assert "hybrid, dense, bm25" in one_line_error(result)


def test_build_without_corpus_folder_says_what_to_do(cli_env: Settings) -> None:
    shutil.rmtree(cli_env.corpus_dir)
    result = runner.invoke(app, ["build"])
    assert result.exit_code != 0
    assert "Opret den" in one_line_error(result)


def test_build_strict_fails_on_a_skipped_file(cli_env: Settings) -> None:
    (cli_env.corpus_dir / "tom.txt").write_text("", encoding="utf-8")
    lenient = runner.invoke(app, ["build"])
    assert lenient.exit_code == 0
    assert "Advarsel: tom.txt springes over" in lenient.stderr
    strict = runner.invoke(app, ["build", "--strict"])
    assert strict.exit_code == 2
    assert "--strict" in strict.stderr


def test_console_script_reports_missing_index(tmp_path) -> None:
    """The installed `casechat` command, as a person runs it."""
    exe = casechat_command()
    env = {
        **os.environ,
        "CASECHAT_INDEX_DIR": str(tmp_path / "index"),
        "CASECHAT_CORPUS_DIR": str(tmp_path / "corpus"),
        "CASECHAT_MODEL": "hashing",
    }
    proc = subprocess.run(
        [exe, "search", "digital ledelse", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "casechat build" in lines[0], proc.stderr
