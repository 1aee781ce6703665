"""Shared fixtures: a private copy of the corpus, settings in tmp_path, the fake embedder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from answer.build import build_index
from answer.search import Searcher
from base.settings import ROOT, Settings
from index.encoder import HashingEmbedder
from index.store import Snapshot, load_snapshot

CORPUS = ROOT / "corpus"
KL_REPORT = "kl-rapport-fremtidens-digitale-kompetencer.txt"
HADERSLEV = "haderslev-digital-transformation.txt"
VIBORG = "viborg-lederskab-og-digitalisering.txt"
HERNING = "herning-faelles-mindset-masterclass.txt"
RINGKOEBING = "ringkoebing-skjern-temadag-strategi.txt"


def copy_corpus(target: Path) -> Path:
    """A copy of the repository's corpus (texts and sidecars) that a test may change."""
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "corpus")


@pytest.fixture
def settings(tmp_path: Path, corpus_copy: Path) -> Settings:
    return Settings(corpus_dir=corpus_copy, index_dir=tmp_path / "index", model="hashing")


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def built_template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One build of the real corpus with the fake embedder, copied by `built`."""
    root = tmp_path_factory.mktemp("template")
    settings = Settings(
        corpus_dir=copy_corpus(root / "corpus"), index_dir=root / "index", model="hashing"
    )
    build_index(settings, HashingEmbedder())
    return settings


@pytest.fixture
def built(settings: Settings, built_template: Settings) -> Settings:
    """Settings whose index was built from this test's corpus copy (a copy of one build)."""
    shutil.copytree(built_template.index_dir, settings.index_dir)
    return settings


@pytest.fixture
def snapshot(built: Settings) -> Snapshot:
    """The test's built index, loaded (fake model)."""
    return load_snapshot(built.index_dir, model="hashing", chunking=built.chunking)


@pytest.fixture
def searcher(snapshot: Snapshot) -> Searcher:
    """A searcher over the test's built index with the fake embedder."""
    return Searcher(snapshot, HashingEmbedder())


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """Point the CLI's environment variables at the test's folders and the fake model."""
    monkeypatch.setenv("CASECHAT_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("CASECHAT_MODEL", "hashing")
    return settings


def casechat_command() -> str:
    """The installed `casechat` console script, as a person runs it.

    It sits beside the interpreter running the tests (the venv's bin/), which
    need not be on PATH (`make test` calls .venv/bin/pytest directly).
    """
    beside = Path(sys.executable).parent / "casechat"
    exe = str(beside) if beside.is_file() else shutil.which("casechat")
    if exe is None:
        pytest.fail("the casechat console script is not installed: run `pip install -e .`")
    return exe


def dead_pid() -> str:
    """The process id of a process that has ended (for stale temp folders of killed runs)."""
    return subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
