"""`casechat eval` and evaluate.py on a tiny index: JSON keys, compare, warnings, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_tiny import make_tiny
from typer.testing import CliRunner

from base.settings import Settings
from cli import app
from tools.evaluation import JSON_KEYS


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    return make_tiny(tmp_path, monkeypatch)


def test_cli_eval_json_and_compare(tiny) -> None:
    _, path = tiny
    runner = CliRunner()
    out = runner.invoke(app, ["eval", "--questions", str(path), "--json", "--mode", "bm25"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert tuple(data) == JSON_KEYS
    assert data["n"] == 2 and data["unanswerable_n"] == 1

    out = runner.invoke(app, ["eval", "--questions", str(path), "--json", "--compare"])
    assert out.exit_code == 0, out.output
    assert set(json.loads(out.stdout)) == {"dense", "bm25", "hybrid"}

    out = runner.invoke(app, ["eval", "--questions", str(path), "--compare"])
    assert out.exit_code == 0 and "recall@5" in out.stdout and "hybrid" in out.stdout


def test_cli_eval_warns_about_answers_that_match_nothing(tiny) -> None:
    _, path = tiny
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "z", "question": "kaffe", "answers": ["ikke i teksten"]}))
    out = CliRunner().invoke(app, ["eval", "--questions", str(path), "--json"])
    assert out.exit_code == 0
    assert "z: intet tekststykke" in out.stderr
    assert json.loads(out.stdout)["n"] == 2


def test_cli_eval_refuses_unknown_mode_and_missing_index(tiny, tmp_path: Path) -> None:
    _, path = tiny
    out = CliRunner().invoke(app, ["eval", "--questions", str(path), "--mode", "magic"])
    assert out.exit_code == 1 and "magic" in out.stderr
    out = CliRunner().invoke(
        app, ["eval", "--questions", str(path), "--index-dir", str(tmp_path / "none")]
    )
    assert out.exit_code == 1 and "casechat build" in out.stderr


def test_evaluate_script_is_the_cli(tiny, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import evaluate as script

    _, path = tiny
    monkeypatch.setattr("sys.argv", ["evaluate.py", "--questions", str(path), "--json"])
    with pytest.raises(SystemExit) as stop:
        script.main()
    assert stop.value.code == 0
    assert tuple(json.loads(capsys.readouterr().out)) == JSON_KEYS
