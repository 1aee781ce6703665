"""`casechat build` killed with SIGKILL at exact points leaves the previous index live and
answering exactly as before; the next build completes. A damaged index is one clear line.

The build is paused at each point by the test hook CASECHAT_TEST_PAUSE_AT (index/store.py):
it prints `CASECHAT_PAUSED <point>` to stderr and sleeps until this test kills it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import VIBORG, casechat_command, copy_corpus
from typer.testing import CliRunner

import index.writer
from answer.build import build_index
from answer.search import Searcher
from base.settings import TEST_PAUSE_ENV, Settings
from cli import app
from index.encoder import HashingEmbedder
from index.manifest import MANIFEST
from index.store import CURRENT, current_path, load_snapshot, pause_point

QUESTIONS = ["velfærdsteknologisk CV på bostederne", "lederskab og digitalisering i Viborg"]
NEW = "testrup-droner.txt"
NEW_TEXT = (
    "Testrup Kommune sender droner op over skolernes tage\n\n"
    "Testrup Kommune bruger droner til at gennemgå tagene på skolerne for revner og "
    "løse tagsten, så ingen skal kravle rundt på glatte tage om vinteren.\n"
)


def answers(settings: Settings) -> list[list[tuple[int, float]]]:
    """What the live index answers to a few questions: ids and scores, every mode."""
    searcher = Searcher(load_snapshot(settings.index_dir, model="hashing"), HashingEmbedder())
    return [
        [(h.chunk.chunk_id, round(h.score, 6)) for h in searcher.search(q, k=5, mode=m).hits]
        for q in QUESTIONS
        for m in ("dense", "bm25", "hybrid")
    ]


def casechat() -> str:
    return casechat_command()


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASECHAT_")}
    env.update(
        CASECHAT_INDEX_DIR=str(settings.index_dir),
        CASECHAT_CORPUS_DIR=str(settings.corpus_dir),
        CASECHAT_MODEL="hashing",
        **extra,
    )
    return env


def change_corpus(settings: Settings) -> None:
    """One text edited, one added: the build has embedding and writing to do."""
    path = settings.corpus_dir / VIBORG
    path.write_text(path.read_text(encoding="utf-8") + "\n\nEt nyt afsnit om droner.\n", "utf-8")
    (settings.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")


POINTS = ("embedding", "lexical", "writing", "swap")


@dataclass
class PausedBuild:
    """A `casechat build` started at a kill point, and the index it must leave alone."""

    settings: Settings
    proc: subprocess.Popen
    lines: queue.Queue[str]
    before_path: Path
    before_answers: list[list[tuple[int, float]]]
    before_generations: set[str]

    def wait_until_paused(self, point: str) -> None:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                break
            seen.append(line)
            if line.strip() == f"CASECHAT_PAUSED {point}":
                return
        raise AssertionError(f"the build never reached {point}: {''.join(seen)}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def forward(stream, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def generations(settings: Settings) -> set[str]:
    return {p.name for p in settings.index_dir.glob("gen-*")}


@pytest.fixture(scope="module")
def paused(
    built_template: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, PausedBuild]]:
    """One build per kill point, each on its own copy of the built index, all started at
    once (a new process takes seconds to import everything)."""
    builds = {}
    for point in POINTS:
        root = tmp_path_factory.mktemp(point)
        settings = Settings(copy_corpus(root / "corpus"), root / "index", model="hashing")
        shutil.copytree(built_template.index_dir, settings.index_dir)
        before = (current_path(settings.index_dir), answers(settings), generations(settings))
        change_corpus(settings)
        proc = subprocess.Popen(
            [casechat(), "build"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(settings, **{TEST_PAUSE_ENV: point}),
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=forward, args=(proc.stderr, lines), daemon=True).start()
        builds[point] = PausedBuild(settings, proc, lines, *before)
    yield builds
    for build in builds.values():
        build.kill()


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_point_keeps_the_old_index(
    paused: dict[str, PausedBuild], point: str
) -> None:
    build = paused[point]
    settings, before_path = build.settings, build.before_path
    try:
        build.wait_until_paused(point)
        new = generations(settings) - build.before_generations
        if point == "embedding":
            assert new == set(), "nothing is written while embedding"
        elif point in ("lexical", "writing"):  # lexical: Tantivy has the passages, no commit
            (tmp,) = (settings.index_dir / n for n in new)
            assert tmp.name.endswith(".tmp")
            assert any(tmp.rglob("vectors.npy")) and any(tmp.rglob("chunks.jsonl"))
            assert (tmp / "lexical").is_dir()
            assert not (tmp / MANIFEST).exists()
        else:
            (gen,) = (settings.index_dir / n for n in new)
            assert not gen.name.endswith(".tmp") and (gen / MANIFEST).is_file()
        assert current_path(settings.index_dir) == before_path
        os.kill(build.proc.pid, signal.SIGKILL)
        assert build.proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        build.kill()

    assert (settings.index_dir / CURRENT).read_text().strip() == before_path.name
    assert answers(settings) == build.before_answers  # the old index, unchanged

    report = build_index(settings, HashingEmbedder())  # not locked out by the dead build
    assert report.updated == [VIBORG] and report.added == [NEW] and not report.full
    assert current_path(settings.index_dir) != before_path
    assert not list(settings.index_dir.glob("*.tmp")), "the dead build's leftovers are tidied"
    assert generations(settings) == {before_path.name, current_path(settings.index_dir).name}
    searcher = Searcher(load_snapshot(settings.index_dir, model="hashing"), HashingEmbedder())
    assert searcher.search("droner over skolernes tage", k=1, mode="bm25").hits[0].chunk.source == (
        NEW
    )


def test_the_hook_does_nothing_unless_its_point_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError("paused")

    monkeypatch.setattr(index.writer.time, "sleep", no_sleep)
    monkeypatch.delenv(TEST_PAUSE_ENV, raising=False)
    pause_point("swap")
    monkeypatch.setenv(TEST_PAUSE_ENV, "writing")
    pause_point("swap")
    assert capsys.readouterr().err == ""
    with pytest.raises(AssertionError, match="paused"):
        pause_point("writing")
    assert capsys.readouterr().err == "CASECHAT_PAUSED writing\n"


# --- a damaged index at the command line: exit 1, one line, no traceback ------------------

runner = CliRunner()


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _seg(gen: Path) -> Path:
    return sorted((gen / "segments").iterdir())[0]


def damage_vectors(gen: Path, index_dir: Path) -> None:
    truncate(_seg(gen) / "vectors.npy")


def damage_manifest(gen: Path, index_dir: Path) -> None:
    (gen / MANIFEST).write_text('{"model": "hashing", "dim": 6', encoding="utf-8")


def damage_manifest_types(gen: Path, index_dir: Path) -> None:
    manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = ["vectors.faiss"]
    (gen / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def damage_chunks(gen: Path, index_dir: Path) -> None:
    (_seg(gen) / "chunks.jsonl").write_text('{"chunk_id": 1}\n', encoding="utf-8")


def delete_lexical(gen: Path, index_dir: Path) -> None:
    for path in (gen / "lexical").glob("*.idx"):  # Tantivy's postings
        path.unlink()


def garbage_pointer(gen: Path, index_dir: Path) -> None:
    (index_dir / CURRENT).write_bytes(b"\xff\xfe\x00garbage")


def pointer_out_of_the_index(gen: Path, index_dir: Path) -> None:
    (index_dir / CURRENT).write_text("../" * 20 + "etc\n", encoding="utf-8")


DAMAGE = [
    (damage_vectors, "casechat build --full"),
    (damage_manifest, "casechat build --full"),
    (damage_manifest_types, "casechat build --full"),
    (damage_chunks, "casechat build --full"),
    (delete_lexical, "casechat build --full"),
    (garbage_pointer, "casechat build"),
    (pointer_out_of_the_index, "casechat build"),
]


@pytest.mark.parametrize(("damage", "fix"), DAMAGE, ids=[d.__name__ for d, _ in DAMAGE])
def test_damaged_index_is_one_line_at_the_cli(
    cli_env: Settings, built: Settings, damage, fix: str
) -> None:
    damage(current_path(built.index_dir), built.index_dir)
    result = runner.invoke(app, ["search", "digital ledelse"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fejl: ") and fix in lines[0], lines

    rebuilt = runner.invoke(app, ["build"])  # the fix the message names works
    assert rebuilt.exit_code == 0 and "5 tilføjet" in rebuilt.stdout
    assert runner.invoke(app, ["search", "digital ledelse"]).exit_code == 0
