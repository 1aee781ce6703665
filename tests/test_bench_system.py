"""`casechat bench`: the command line, the memory helpers and the start-up stages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from answer.build import build_index
from base.settings import ROOT, Settings
from cli import app
from index.encoder import HashingEmbedder
from tools.bench.startup import StartupResult, stages_in_new_process
from tools.bench.system import peak_rss_mb, reset_peak_rss, rss_mb


def test_cli_rejects_bad_sizes() -> None:
    result = CliRunner().invoke(app, ["bench", "--sizes", "1k,2k"])
    assert result.exit_code == 2
    assert "heltal" in result.output


def test_peak_rss_helpers_report_megabytes() -> None:
    reset_peak_rss()
    assert rss_mb() > 10
    assert peak_rss_mb() >= rss_mb() * 0.9


def test_startup_stages_run_in_a_fresh_process(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=tmp_path / "index", model="hashing")
    build_index(settings, HashingEmbedder())
    result = StartupResult()
    stages_in_new_process(settings, result)
    assert result.error is None
    assert result.ready_s is not None and result.ready_s >= result.first_search_s >= 0
    assert result.torch_imported is False
    assert result.process_wall_s >= result.ready_s


def test_startup_imports_neither_the_chat_nor_the_cli() -> None:
    code = "import sys, tools.bench.run; print('chat_app' in sys.modules, 'cli' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
