"""`casechat add/remove/restore/list/editor`, through the real command (Typer's runner)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from library_app import zylofon_pdf
from typer.testing import CliRunner

from base.settings import Settings
from cli import app

runner = CliRunner()
TEXT = (
    "Testrup Kommune sender droner op over skolernes tage\n\n"
    "Testrup Kommune bruger droner til at gennemgå tagene på skolerne for revner.\n"
)


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def listed(settings: Settings) -> dict:
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def search_sources(question: str) -> list[str]:
    result = run("search", question, "--json", "-k", "5")
    return [r["source"] for r in json.loads(result.stdout)]


@pytest.fixture
def env(cli_env: Settings, built: Settings, monkeypatch, tmp_path: Path) -> Settings:
    monkeypatch.setenv("CASECHAT_LIBRARY_DIR", str(tmp_path / "library"))
    return cli_env


def test_add_list_remove_restore(env: Settings, tmp_path: Path) -> None:
    pdf = tmp_path / "Droner på taget.pdf"
    pdf.write_bytes(zylofon_pdf())
    text = tmp_path / "testrup.txt"
    text.write_text(TEXT, encoding="utf-8")
    result = run("add", str(pdf), "--municipality", "Fanø", "--kind", "Rapport")
    assert result.exit_code == 0, result.output
    assert "Tilføjet: Droner-på-taget.pdf" in result.output and "1 tilføjet" in result.output
    rows = {r["source"]: r for r in listed(env)["documents"]}
    row = rows["Droner-på-taget.pdf"]
    assert row["status"] == "indekseret" and row["pages"] == 2 and row["format"] == "pdf"
    assert row["municipalities"] == ["Fanø"] and row["passages"] >= 1

    result = run("add", str(text), "--title", "Droner", "--date", "2025-01-02", "--no-build")
    assert result.exit_code == 0 and "tekststykker" not in result.output
    assert listed(env)["documents"][0]["status"].startswith("ikke indekseret endnu")

    again = run("add", str(text))  # same name: refused without --replace (no terminal to ask)
    assert again.exit_code == 1 and "--replace" in again.output
    assert run("add", str(text), "--replace").exit_code == 0

    assert "Droner-på-taget.pdf" in search_sources("zylofonrobotter i hjemmeplejen")
    result = run("remove", "Droner-på-taget.pdf")
    assert result.exit_code == 0 and "1 fjernet" in result.output
    assert "Droner-på-taget.pdf" not in search_sources("zylofonrobotter i hjemmeplejen")
    recycle = listed(env)["recycle"]
    assert [e["source"] for e in recycle][0] == "Droner-på-taget.pdf"
    result = run("restore", "Droner-på-taget.pdf")
    assert result.exit_code == 0 and "1 tilføjet" in result.output
    assert "Droner-på-taget.pdf" in search_sources("zylofonrobotter i hjemmeplejen")

    audit = (tmp_path / "library" / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["action"] for line in audit] == [
        "add",
        "add",
        "replace",
        "remove",
        "restore",
    ]
    assert json.loads(audit[0])["editor"].startswith("cli")


def test_bad_input_is_one_danish_line(env: Settings, tmp_path: Path) -> None:
    assert "findes ikke" in run("add", str(tmp_path / "mangler.pdf")).output
    bad = tmp_path / "program.exe"
    bad.write_bytes(b"MZ\x90\x00" + bytes(range(256)))
    result = run("add", str(bad))
    assert result.exit_code == 1 and "understøttes ikke" in result.output
    result = run("add", str(bad), str(bad), "--title", "x")
    assert result.exit_code == 2 and "kun, når du tilføjer én fil" in result.output
    result = run("remove", "../corpus/../../etc/passwd")
    assert result.exit_code == 1 and "intet dokument" in result.output
    result = run("restore", "aldrig-fjernet.txt")
    assert result.exit_code == 1 and "ikke i papirkurven" in result.output
    for output in (result.output,):
        assert "Traceback" not in output


def test_editor_commands(env: Settings, tmp_path: Path) -> None:
    result = run("editor", "list")
    assert result.exit_code == 0 and "casechat editor add NAVN" in result.output
    result = run("editor", "add", "mette", "--password-stdin", stdin="korrekt-hest-batteri\n")
    assert result.exit_code == 0 and "oprettet" in result.output
    result = run("editor", "add", "jens", stdin="to-gange-samme-kode\nto-gange-samme-kode\n")
    assert result.exit_code == 0, result.output
    assert run("editor", "add", "kort", "--password-stdin", stdin="abc\n").exit_code == 1
    assert run("editor", "list").stdout.split() == ["jens", "mette"]
    path = tmp_path / "library" / "editors.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "korrekt-hest-batteri" not in path.read_text()
    assert run("editor", "remove", "jens").exit_code == 0
    assert run("editor", "list").stdout.split() == ["mette"]
    assert run("editor", "remove", "jens").exit_code == 1
