"""`casechat backup` / `restore-backup`: backup -> wipe -> restore gives the same search
results, the same editors and audit log; a damaged backup changes nothing; a backup
waits for a running build instead of copying half of it."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from answer.build import build_index
from answer.search import open_searcher
from base.settings import Settings
from casechat.library import Library
from cli import app
from index.encoder import HashingEmbedder
from index.store import build_lock, current_path

runner = CliRunner()
QUESTIONS = ["Hvordan har Odense udviklet ledernes digitale kompetencer?", "data og ledelse"]
PASSWORD = "korrekt-hest-batteri"


def results(settings: Settings) -> list:
    searcher = open_searcher(settings, HashingEmbedder())
    return [
        [(h.chunk.chunk_id, h.chunk.source, round(h.score, 6)) for h in searcher.search(q).hits]
        for q in QUESTIONS
    ]


def test_backup_wipe_restore_gives_identical_results(cli_env: Settings, tmp_path: Path) -> None:
    settings = cli_env
    build_index(settings, HashingEmbedder())
    library = Library(settings).open()
    library.editors.add("mette", PASSWORD)
    library.audit.record("mette", "add", "x.txt", "0" * 64)
    before, events = results(settings), library.audit.events()
    assert before[0]

    made = runner.invoke(app, ["backup", str(tmp_path / "bak")])
    assert made.exit_code == 0, made.output
    for folder in (settings.corpus_dir, settings.index_dir, settings.library):
        shutil.rmtree(folder)
    restored = runner.invoke(app, ["restore-backup", str(tmp_path / "bak")])
    assert restored.exit_code == 0, restored.output

    assert results(settings) == before
    again = Library(settings).open()
    assert again.audit.events() == events
    assert again.editors.login("mette", PASSWORD, "127.0.0.1") == "mette"
    assert (settings.library / "editors.json").stat().st_mode & 0o077 == 0


def test_a_damaged_backup_changes_nothing(cli_env: Settings, tmp_path: Path) -> None:
    build_index(cli_env, HashingEmbedder())
    assert runner.invoke(app, ["backup", str(tmp_path / "bak")]).exit_code == 0
    victim = next((tmp_path / "bak" / "corpus").iterdir())
    victim.write_bytes(b"noget andet")
    live = current_path(cli_env.index_dir)
    got = runner.invoke(app, ["restore-backup", str(tmp_path / "bak")])
    assert got.exit_code == 1 and "beskadiget" in got.output
    assert current_path(cli_env.index_dir) == live
    assert runner.invoke(app, ["backup", str(tmp_path / "bak")]).exit_code == 1  # not empty


def test_a_backup_waits_for_a_running_build(cli_env: Settings, tmp_path: Path) -> None:
    build_index(cli_env, HashingEmbedder())
    held = threading.Event()

    def building() -> None:
        with build_lock(cli_env.index_dir):
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=building)
    thread.start()
    held.wait(10)
    started = time.monotonic()
    assert runner.invoke(app, ["backup", str(tmp_path / "bak")]).exit_code == 0
    assert time.monotonic() - started > 1.0
    thread.join()
    name = (tmp_path / "bak" / "index" / "CURRENT").read_text().strip()
    assert (tmp_path / "bak" / "index" / name).is_dir()
