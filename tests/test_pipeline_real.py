"""The real model on the real corpus: built once per module, then searched and rebuilt.

Slow (about a minute to embed the corpus on two CPU cores): run with `pytest -m slow`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import KL_REPORT, RINGKOEBING, casechat_command, copy_corpus

from answer.build import BuildReport, build_index
from answer.search import Searcher
from base.settings import DEFAULT_MODEL, Settings
from index.encoder import Embedder, load_embedder
from index.store import CURRENT, LOCK, current_path, load_snapshot
from ingest.chunk import chunk_document
from ingest.load import read_source
from ingest.pipeline import to_document

pytestmark = pytest.mark.slow

#: Questions written for these tests (not taken from eval/), each with a snippet
#: copied word for word from the passage that answers it.
PARAPHRASES = [
    (
        "Hvem hentede Haderslev ind udefra for at få analyseret behovet for forandring?",
        "kontakte KL og Komponent",
    ),
    (
        "Hvad får Herning ud af at være med i et internationalt netværk af forskere?",
        "DISIMIT netværket tilbyder os internationale kapaciteter",
    ),
    (
        "Hvilket konsulenthus stod Viborg sammen med bag designet af lederforløbet?",
        "udviklet i samarbejde med LEAD+",
    ),
    (
        "Hvad ville bostederne i København egentlig bruge deres tablets til, "
        "da projektet begyndte?",
        "hvordan vi kunne bruge de iPads, vi havde, bedst muligt",
    ),
    (
        "Hvordan sørgede man for, at ingen leder i Glostrup og Albertslund stod alene "
        "med forløbet?",
        "for at ingen skulle føle sig alene i forløbet",
    ),
    (
        "Hvad har kursisterne i Odense opnået i forhold til at tale samme sprog om digitalisering?",
        "Vi har fået et fælles begrebsapparat til at tale digitalisering",
    ),
    (
        "Hvilke erfaringer fra coronatiden tog Ringkøbing-Skjern op på temadagen?",
        "Brainstorm på de mange digitale initiativer og omlægninger som coronakrisen har medført",
    ),
    (
        "Hvilken kommune arbejdede Haderslevs it-chef i, før hun kom til Haderslev?",
        "arbejde mange år i Aabenraa Kommune",
    ),
]

NEW_SOURCE = "testrup-droner.txt"
NEW_TEXT = """Testrup Kommune sender droner op over skolernes tage

Testrup Kommune har siden foråret brugt droner til at gennemgå tagene på kommunens skoler og \
daginstitutioner. Før skulle en håndværker op på hvert tag med stige og sele, og det tog flere \
uger at komme rundt.

Nu flyver en medarbejder fra Ejendomscenteret dronen efter en fast rute, og billederne \
analyseres bagefter for revner, løse tagsten og stillestående vand. Et tag kan gennemgås på en \
halv time, og skader bliver fundet, før de bliver dyre.

Projektlederen fortæller, at den største gevinst ikke er tiden, men at ingen længere skal \
kravle rundt på glatte tage om vinteren.
"""
NEW_META = {
    "title": "Testrup Kommune sender droner op over skolernes tage",
    "municipalities": ["Testrup"],
}
NEW_QUESTION = "Hvordan undersøger Testrup Kommune tagene på skolerne for skader?"
NEW_SNIPPET = "brugt droner til at gennemgå tagene"

QUESTIONS = [q for q, _ in PARAPHRASES[:4]] + ["Hvad er et velfærdsteknologisk CV?"]


@dataclass
class RealIndex:
    settings: Settings
    embedder: Embedder
    report: BuildReport
    seconds: float


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def contains(text: str, snippet: str) -> bool:
    return norm(snippet) in norm(text)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> RealIndex:
    root = tmp_path_factory.mktemp("real")
    settings = Settings(
        corpus_dir=copy_corpus(root / "corpus"), index_dir=root / "index", model=DEFAULT_MODEL
    )
    embedder = load_embedder(DEFAULT_MODEL)
    started = time.perf_counter()
    report = build_index(settings, embedder)
    return RealIndex(settings, embedder, report, time.perf_counter() - started)


def copy_of(real: RealIndex, folder: Path) -> Settings:
    """A private copy of the real corpus and its built index, to change and rebuild."""
    corpus = shutil.copytree(real.settings.corpus_dir, folder / "corpus")
    index_dir = shutil.copytree(real.settings.index_dir, folder / "index")
    return replace(real.settings, corpus_dir=Path(corpus), index_dir=Path(index_dir))


def searcher(settings: Settings, embedder: Embedder) -> Searcher:
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    return Searcher(snapshot, embedder)


def answers(settings: Settings, embedder: Embedder) -> list[list[tuple[int, float]]]:
    s = searcher(settings, embedder)
    return [[(h.chunk.chunk_id, h.score) for h in s.search(q, k=5).hits] for q in QUESTIONS]


def cli_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASECHAT_")}
    env["CASECHAT_INDEX_DIR"] = str(settings.index_dir)
    env["CASECHAT_CORPUS_DIR"] = str(settings.corpus_dir)
    return env


def casechat() -> str:
    return casechat_command()


def test_real_build_report(real: RealIndex) -> None:
    report = real.report
    print(f"\nreal build: {report.chunks_total} chunks in {real.seconds:.1f} s")
    assert report.problems == [] and len(report.added) == 5
    assert report.chunks_embedded == report.chunks_total > 50
    snapshot = load_snapshot(real.settings.index_dir, model=DEFAULT_MODEL)
    assert snapshot.manifest.model == DEFAULT_MODEL and snapshot.manifest.dim == 384


def test_cli_finds_the_passage_that_explains_the_welfare_technology_cv(real: RealIndex) -> None:
    started = time.perf_counter()
    proc = subprocess.run(
        [casechat(), "search", "Hvad er et velfærdsteknologisk CV?", "--json"],
        capture_output=True,
        text=True,
        env=cli_env(real.settings),
        timeout=300,
    )
    seconds = time.perf_counter() - started
    print(f"\ncasechat search (new process, model load included): {seconds:.1f} s")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    explains = [
        i
        for i, row in enumerate(rows)
        if contains(row["text"], "I VTCV'et skriver borgerne i samarbejde med personalet")
    ]
    assert explains and explains[0] <= 1, [r["text"][:80] for r in rows]
    row = rows[explains[0]]
    assert row["source"] == KL_REPORT
    assert row["section"].startswith("3. ") and row["section"].endswith("Hvordan greb I det an?")
    assert row["municipalities"] == ["København"]


@pytest.mark.parametrize(("question", "snippet"), PARAPHRASES, ids=[f"q{i}" for i in range(8)])
def test_paraphrased_question_finds_its_passage_in_top_5(
    real: RealIndex, question: str, snippet: str
) -> None:
    result = searcher(real.settings, real.embedder).search(question, k=5, mode="hybrid")
    assert not result.abstained, f"abstained (cosine {result.dense_top:.3f})"
    ranks = [h.rank for h in result.hits if contains(h.chunk.text, snippet)]
    assert ranks, [h.chunk.text[:80] for h in result.hits]


def test_adding_and_removing_a_text(real: RealIndex, tmp_path: Path) -> None:
    settings = copy_of(real, tmp_path)
    new = settings.corpus_dir / NEW_SOURCE
    new.write_text(NEW_TEXT, encoding="utf-8")
    new.with_name(NEW_SOURCE + ".meta.json").write_text(json.dumps(NEW_META), encoding="utf-8")
    expected = chunk_document(to_document(read_source(new, settings.corpus_dir)), settings.chunking)

    started = time.perf_counter()
    report = build_index(settings, real.embedder)
    print(f"\nincremental build of one new text: {time.perf_counter() - started:.1f} s")
    assert report.added == [NEW_SOURCE] and len(report.unchanged) == 5
    assert report.chunks_embedded == len(expected) >= 1
    result = searcher(settings, real.embedder).search(NEW_QUESTION, k=5)
    assert result.hits and result.hits[0].chunk.source == NEW_SOURCE
    assert contains(result.hits[0].chunk.text, NEW_SNIPPET)

    new.unlink()
    new.with_name(NEW_SOURCE + ".meta.json").unlink()
    report = build_index(settings, real.embedder)
    assert report.removed == [NEW_SOURCE] and report.chunks_embedded == 0
    result = searcher(settings, real.embedder).search(NEW_QUESTION, k=10)
    assert all(h.chunk.source != NEW_SOURCE for h in result.hits)
    assert all(not contains(h.chunk.text, NEW_SNIPPET) for h in result.hits)


def test_sigkill_during_a_full_build_leaves_the_old_index(real: RealIndex, tmp_path: Path) -> None:
    settings = copy_of(real, tmp_path)
    before_path = current_path(settings.index_dir)
    before = answers(settings, real.embedder)
    lock = settings.index_dir / LOCK
    lock.unlink(missing_ok=True)  # it reappears when the new build has loaded the model

    log = (tmp_path / "build.log").open("w")
    proc = subprocess.Popen(
        [casechat(), "build", "--full"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=cli_env(settings),
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not lock.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lock.exists(), "the build never started"
        time.sleep(3.0)  # well into embedding the corpus (which takes tens of seconds)
        assert proc.poll() is None, "the build finished before it could be killed"
        assert not list(settings.index_dir.glob("gen-*.tmp")), "killed while embedding"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()

    assert current_path(settings.index_dir) == before_path
    assert (settings.index_dir / CURRENT).read_text().strip() == before_path.name
    assert answers(settings, real.embedder) == before

    # the next build is not locked out by the dead one, completes, and tidies up
    path = settings.corpus_dir / RINGKOEBING
    path.write_text(path.read_text(encoding="utf-8") + "\n\nEt ekstra afsnit.\n", "utf-8")
    report = build_index(settings, real.embedder)
    assert report.updated == [RINGKOEBING] and not report.full
    assert current_path(settings.index_dir) != before_path
    assert not list(settings.index_dir.glob("*.tmp"))
    assert len(list(settings.index_dir.glob("gen-*"))) <= 2
    load_snapshot(settings.index_dir, model=DEFAULT_MODEL)
