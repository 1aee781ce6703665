"""Many users at once, and a rebuild while the chat serves them.

The web chat runs on a loopback port over a LiveIndex (casechat/live_index.py); 20
users ask through its HTTP API (casechat/loadtest.py) while the corpus changes and the
index is rebuilt. The one-minute run with the real model is `casechat loadtest`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from conftest import VIBORG, copy_corpus
from typer.testing import CliRunner

import chat_app
from answer.build import build_index
from base.errors import CasechatError
from base.settings import Settings
from casechat.live_index import LiveIndex
from cli import app as cli
from index.encoder import HashingEmbedder
from index.manifest import MANIFEST
from index.store import current_path
from tools.loadtest import LoadReport, ask, free_port, require_loopback, run_load

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")

NEW = "testrup-droner.txt"
NEW_TEXT = (
    "Testrup Kommune sender droner op over skolernes tage\n\n"
    "Testrup Kommune bruger zylofondroner til at gennemgå tagene på skolerne for revner og "
    "løse tagsten, så ingen skal kravle rundt på glatte tage om vinteren.\n"
)
NEW_QUESTION = "Hvordan bruger Testrup zylofondroner på skolernes tage?"
CARD_SOURCE = re.compile(r'class="cc-card" data-source="([^"]+)"')
USERS, SECONDS = 20, 3.0


@dataclass
class Served:
    settings: Settings
    live: LiveIndex
    url: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("served")
    settings = Settings(copy_corpus(root / "corpus"), root / "index", model="hashing")
    build_index(settings, HashingEmbedder())
    live = LiveIndex.open(settings, HashingEmbedder())
    demo = chat_app.build_app(live)
    url = chat_app.serve(demo, port=free_port(), block=False)
    yield Served(settings, live, url)
    demo.close()


def test_twenty_users_and_a_rebuild_meanwhile_get_no_errors(served: Served) -> None:
    settings = served.settings
    before = current_path(settings.index_dir)
    result: list[LoadReport] = []
    load = threading.Thread(target=lambda: result.append(run_load(served.url, USERS, SECONDS)))
    load.start()
    threading.Event().wait(SECONDS / 3)  # the users are busy now
    (settings.corpus_dir / NEW).write_text(NEW_TEXT, encoding="utf-8")
    (settings.corpus_dir / VIBORG).unlink()
    report = build_index(settings, HashingEmbedder())
    assert report.added == [NEW] and report.removed == [VIBORG]
    load.join(timeout=SECONDS + 90)

    (load_report,) = result
    print(f"\nload: {load_report.summary()}")
    assert load_report.errors == []
    assert load_report.questions >= USERS
    assert 0 < load_report.percentile(50) <= load_report.percentile(95)

    # the chat now answers from the new index, without a restart
    assert current_path(settings.index_dir) != before
    with httpx.Client(base_url=served.url, timeout=30) as client:
        assert CARD_SOURCE.findall(ask(client, NEW_QUESTION, k=1)) == [NEW]
        viborg = ask(client, "lederskab og digitalisering i Viborg", k=10)
    assert VIBORG not in CARD_SOURCE.findall(viborg)
    assert served.live.reloads >= 1
    assert served.live.current().snapshot.path == current_path(settings.index_dir)


class GatedEmbedder(HashingEmbedder):
    """Holds a question's embedding until the test opens the gate: a search in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if texts and texts[0].startswith("VENT"):
            self.entered.set()
            assert self.gate.wait(30)
        return super().embed_queries(texts)


def test_a_search_in_flight_finishes_on_the_index_it_started_with(built: Settings) -> None:
    embedder = GatedEmbedder()
    live = LiveIndex.open(built, embedder)
    old = live.current().snapshot
    outcome: list = []
    slow = threading.Thread(
        target=lambda: outcome.append(live.current().search("VENT lederskab i Viborg", k=10))
    )
    slow.start()
    assert embedder.entered.wait(30)

    (built.corpus_dir / VIBORG).unlink()  # the rebuild removes what the slow search finds
    build_index(built, HashingEmbedder())
    quick = live.current().search(
        "lederskab og digitalisering i Viborg", k=10
    )  # picks up the new index
    assert live.reloads == 1 and VIBORG not in {h.chunk.source for h in quick.hits}

    embedder.gate.set()
    slow.join(timeout=30)
    (result,) = outcome
    assert result.hits and all(h.chunk.chunk_id in old.chunks for h in result.hits)
    assert VIBORG in {h.chunk.source for h in result.hits}  # consistent: all from the old one


def test_many_threads_during_a_swap_all_get_answers(built: Settings) -> None:
    live = LiveIndex.open(built, HashingEmbedder())
    errors: list[BaseException] = []
    answered = [0]
    stop = threading.Event()

    def user() -> None:
        while not stop.is_set():
            try:
                assert live.current().search("digital ledelse i kommunerne", k=3).hits
                answered[0] += 1
            except BaseException as exc:  # collected for the assertion below
                errors.append(exc)
                return

    threads = [threading.Thread(target=user) for _ in range(4)]
    for thread in threads:
        thread.start()
    for n in range(2):  # two rebuilds while four threads search
        (built.corpus_dir / f"ny-{n}.txt").write_text(
            f"Ny tekst {n}\n\nDigital ledelse i kommunerne, runde {n}.\n", encoding="utf-8"
        )
        build_index(built, HashingEmbedder())
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and answered[0] > 0
    assert live.current().snapshot.path == current_path(built.index_dir)
    assert {f"ny-{n}.txt" for n in range(2)} <= set(live.current().snapshot.documents)


def test_a_new_index_that_cannot_load_keeps_the_old_one(
    built: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveIndex.open(built, HashingEmbedder())
    old = live.current().snapshot.path
    (built.corpus_dir / VIBORG).unlink()
    build_index(built, HashingEmbedder())
    new = current_path(built.index_dir)
    manifest = json.loads((new / MANIFEST).read_text(encoding="utf-8"))
    (new / MANIFEST).write_text(json.dumps({**manifest, "model": "andet"}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="casechat.live"):
        assert live.current().search("digital ledelse", k=3).hits
    assert live.current().snapshot.path == old and live.reloads == 0
    assert "det forrige bruges fortsat" in caplog.text

    build_index(built, HashingEmbedder(), full=True)  # repaired: taken in use at once
    assert live.current().search("digital ledelse", k=3).hits
    assert live.reloads == 1 and live.current().snapshot.path == current_path(built.index_dir)


def test_an_unchanged_pointer_costs_one_stat_and_no_reload(built: Settings) -> None:
    live = LiveIndex.open(built, HashingEmbedder())
    first = live.current()
    for _ in range(50):
        live.current().search("digital ledelse", k=1)
    assert live.current() is first and live.reloads == 0


# --- the load test itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://192.168.1.10:7860/", "http://example.org/", "http://0.0.0.0:7860/"]
)
def test_the_load_test_refuses_other_machines(url: str) -> None:
    with pytest.raises(CasechatError, match="kun til denne maskine"):
        require_loopback(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:7860/", "http://localhost:1/", "http://[::1]:80/"]
)
def test_the_load_test_accepts_loopback(url: str) -> None:
    require_loopback(url)


def test_the_load_test_is_bounded() -> None:
    with pytest.raises(CasechatError, match="1–200 brugere"):
        run_load("http://127.0.0.1:1/", users=500, seconds=10)
    with pytest.raises(CasechatError, match="1–600 sekunder"):
        run_load("http://127.0.0.1:1/", users=20, seconds=3600)
    result = CliRunner().invoke(cli, ["loadtest", "--users", "1000"])
    assert result.exit_code == 2  # typer refuses before anything starts


def test_percentiles_are_nearest_rank() -> None:
    report = LoadReport(users=1, seconds=1.0, latencies_ms=[float(v) for v in range(1, 101)])
    assert (report.percentile(50), report.percentile(95), report.percentile(100)) == (50, 95, 100)
    assert LoadReport(1, 1.0).percentile(95) == 0.0


def test_unreachable_app_counts_errors_not_crashes() -> None:
    report = run_load(f"http://127.0.0.1:{free_port()}/", users=2, seconds=0.5, timeout=2)
    assert report.errors and report.latencies_ms == []
    assert "ConnectError" in report.errors[0]


@pytest.mark.slow
def test_one_minute_of_twenty_users_on_the_real_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full load test as `casechat loadtest` runs it: its own chat process, real model."""
    from tools.loadtest import load_test

    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delenv("CASECHAT_MODEL", raising=False)
    report = load_test(users=20, seconds=60)
    print(f"\nreal model: {report.summary()}")
    assert report.errors == [] and report.questions >= 20
