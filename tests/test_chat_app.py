"""The web chat, fast: the app runs on a loopback port over an index built with the fake
embedder, and is called through its `/ask` API with gradio_client like any client would."""

from __future__ import annotations

import html
import json
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import HERNING, KL_REPORT, VIBORG, copy_corpus
from gradio_client import Client

import chat_app
from answer.search import Searcher
from base.errors import CasechatError, IndexCorruptError
from base.settings import Settings
from casechat.answer import GENERIC_ERROR, NO_PASSAGES
from casechat.chat_view import render_context
from casechat.html_text import question_terms
from casechat.live_index import LiveIndex

ODENSE_QUESTION = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
KL_TITLE = "Fremtidens digitale kompetencer i kommunerne – gode kommunale cases"
#: A corpus text whose metadata and body carry markup that must stay text in the browser.
HOSTILE = "sikkerby-test.txt"
HOSTILE_TITLE = "Sikkerby <script>alert('titel')</script> & <b>fed</b>"
HOSTILE_TEXT = (
    "Sikkerhedstest i Sikkerby\n\n"
    "Sikkerby Kommune har testet zylofonchatten med tegn, som a < b og c > d, "
    "og med kode skrevet som entiteter: &lt;script&gt;alert(3)&lt;/script&gt;. "
    "Zylofonchatten skal vise det hele som almindelig tekst.\n"
)
# Gradio's queue calls a pandas option that pandas 3 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")
CARD_SOURCE = re.compile(r'class="cc-card" data-source="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hostile_corpus(target: Path) -> Path:
    """A copy of the real corpus plus one text with markup in its title and body."""
    corpus = copy_corpus(target)
    (corpus / HOSTILE).write_text(HOSTILE_TEXT, encoding="utf-8")
    meta = {"title": HOSTILE_TITLE, "municipalities": ["Sikkerby"], "date": "2024-01-31"}
    (corpus / (HOSTILE + ".meta.json")).write_text(json.dumps(meta), encoding="utf-8")
    return corpus


@dataclass
class RunningApp:
    url: str
    live: LiveIndex
    demo: chat_app.gr.Blocks

    @property
    def searcher(self) -> Searcher:
        return self.live.current()


def start_app(root: Path, model: str = "hashing") -> RunningApp:
    """Build the index from nothing (as at first start), then serve the app in the background."""
    settings = Settings(
        corpus_dir=hostile_corpus(root / "corpus"), index_dir=root / "index", model=model
    )
    live = chat_app.prepare(settings)
    demo = chat_app.build_app(live)
    return RunningApp(chat_app.serve(demo, port=free_port(), block=False), live, demo)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("chat"))
    yield running
    running.demo.close()


@pytest.fixture(scope="module")
def client(app: RunningApp) -> Client:
    return Client(app.url, verbose=False)


def ask(client: Client, question: str, k: int = 3, munis=None, docs=None) -> str:
    return client.predict(question, k, munis, docs, api_name="/ask")


def sources(answer: str) -> list[str]:
    return CARD_SOURCE.findall(answer)


# --- answers through the API ------------------------------------------------------------


def test_danish_question_is_answered_with_citation_cards(client: Client) -> None:
    answer = ask(client, ODENSE_QUESTION)
    assert sources(answer)[0] == KL_REPORT
    assert len(sources(answer)) == 3
    assert html.escape(KL_TITLE) in answer
    for number in (1, 2, 3):
        assert f'<span class="cc-num">[{number}]</span>' in answer
    assert "Relevans:" in answer and "<b>Kommune:</b>" in answer and "<b>Dato:</b>" in answer
    # The question's words are highlighted, as words (index/lemma.py); the passages shown
    # first are Odense's own, which need not name Odense in their text.
    marked = re.findall(r"<mark>(.*?)</mark>", answer)
    asked = question_terms(ODENSE_QUESTION)
    assert marked and all(question_terms(word) & asked for word in marked)


def test_number_of_passages_follows_k_and_is_capped(client: Client) -> None:
    assert len(sources(ask(client, ODENSE_QUESTION, k=1))) == 1
    assert len(sources(ask(client, ODENSE_QUESTION, k=5))) == 5
    assert len(sources(ask(client, ODENSE_QUESTION, k=99))) == 10


def test_out_of_corpus_question_says_no_passages(client: Client) -> None:
    answer = ask(client, "Hvad er opskriften på æblekage?")
    assert NO_PASSAGES in answer
    assert "cc-card" not in answer


def test_municipality_filter_restricts_citations(client: Client) -> None:
    question = "Hvordan arbejder kommunen med digital ledelse og strategi?"
    assert set(sources(ask(client, question, k=5))) != {VIBORG}  # the filter has work to do
    filtered = sources(ask(client, question, k=5, munis=["Viborg"]))
    assert filtered and set(filtered) == {VIBORG}


def test_document_filter_restricts_citations(client: Client) -> None:
    question = "Hvordan arbejder kommunen med digital ledelse og strategi?"
    assert set(sources(ask(client, question, k=5))) != {HERNING}
    filtered = sources(ask(client, question, k=4, docs=[HERNING]))
    assert filtered and set(filtered) == {HERNING}


def test_filters_are_named_in_the_answer(client: Client) -> None:
    answer = ask(client, ODENSE_QUESTION, munis=["Odense"], docs=[KL_REPORT])
    assert f"filtre: Odense, {html.escape(KL_TITLE)}" in answer


def test_html_in_the_question_is_shown_as_text(client: Client) -> None:
    answer = ask(client, "<script>alert(1)</script> digital ledelse <img src=x onerror=alert(2)>")
    assert "<script" not in answer and "<img" not in answer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer


def test_html_in_a_document_is_shown_as_text(client: Client) -> None:
    answer = ask(client, "Hvad har Sikkerby testet i zylofonchatten?", k=1)
    assert sources(answer) == [HOSTILE]
    assert "<script" not in answer and "<b>fed" not in answer
    assert html.escape(HOSTILE_TITLE) in answer
    assert "a &lt; b" in answer
    assert "&amp;lt;script&amp;gt;" in answer  # an entity in the text stays that entity


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Skriv et spørgsmål"), ("   \n ", "Skriv et spørgsmål"), ("?!", "ingen ord")],
)
def test_empty_question_gets_a_danish_message(client: Client, question: str, message: str) -> None:
    answer = ask(client, question)
    assert message in answer
    assert "cc-card" not in answer and "Traceback" not in answer


def test_a_casechat_error_is_shown_as_its_message(
    client: Client, app: RunningApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise IndexCorruptError("Indekset kan ikke læses. Kør `casechat build --full`.")

    monkeypatch.setattr(app.searcher, "search", broken)
    assert "Kør `casechat build --full`" in ask(client, ODENSE_QUESTION)


def test_an_unexpected_error_is_logged_and_shown_generically(
    client: Client, app: RunningApp, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path.py")

    monkeypatch.setattr(app.searcher, "search", broken)
    with caplog.at_level(logging.ERROR, logger="casechat.chat"):
        answer = ask(client, ODENSE_QUESTION)
    assert GENERIC_ERROR in answer
    assert "boom" not in answer and "/srv" not in answer and "Traceback" not in answer
    assert any("boom" in (r.exc_text or "") for r in caplog.records)


# --- start-up ---------------------------------------------------------------------------


def test_app_is_local_only_and_hides_error_details(app: RunningApp) -> None:
    assert app.url.startswith("http://127.0.0.1:")
    assert app.demo.share is False and app.demo.show_error is False
    assert app.demo.analytics_enabled is False
    assert chat_app.os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"


def test_start_brings_a_stale_index_up_to_date(app: RunningApp, tmp_path: Path) -> None:
    settings = Settings(
        corpus_dir=copy_corpus(tmp_path / "corpus"), index_dir=tmp_path / "index", model="hashing"
    )
    first = chat_app.prepare(settings)
    assert HOSTILE not in first.current().snapshot.documents
    (settings.corpus_dir / "ny.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (settings.corpus_dir / VIBORG).unlink()
    second = chat_app.prepare(settings)
    assert (
        "ny.txt" in second.current().snapshot.documents
        and VIBORG not in second.current().snapshot.documents
    )


def test_start_without_a_corpus_exits_with_a_danish_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CASECHAT_CORPUS_DIR", str(tmp_path / "findes-ikke"))
    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("CASECHAT_MODEL", "hashing")
    assert chat_app.main(["--port", str(free_port())]) == 1
    err = capsys.readouterr().err
    assert "Fejl: Korpusmappen" in err and "Traceback" not in err


def test_a_busy_port_is_a_danish_error(app: RunningApp) -> None:
    port = int(app.url.rstrip("/").rsplit(":", 1)[1])
    demo = chat_app.build_app(app.searcher)
    try:
        with pytest.raises(CasechatError, match="--port"):
            chat_app.serve(demo, port=port, block=False)
    finally:
        demo.close()


# --- context -----------------------------------------------------------------------------


def test_context_shows_the_marked_passage_inside_its_document(app: RunningApp) -> None:
    snapshot = app.searcher.snapshot
    chunks = sorted(
        (c for c in snapshot.chunks.values() if c.source == KL_REPORT), key=lambda c: c.start
    )
    chunk = chunks[len(chunks) // 2]
    document = snapshot.documents[KL_REPORT]
    view = render_context(document, chunk, window=300)
    passage = re.search(r'<mark class="cc-passage">(.*?)</mark>', view, re.S).group(1)
    assert passage == html.escape(chunk.text)
    before = html.unescape(view.split('<div class="cc-context-text">')[1].split("<mark")[0])
    assert before.startswith("… ") and 250 <= len(before) <= 310
    assert document.text[chunk.start - 100 : chunk.start] in before


def test_context_of_a_hostile_document_is_escaped(app: RunningApp) -> None:
    snapshot = app.searcher.snapshot
    chunk = next(c for c in snapshot.chunks.values() if c.source == HOSTILE)
    view = render_context(snapshot.documents[HOSTILE], chunk)
    assert "<script" not in view and "<b>fed" not in view
    assert html.escape(HOSTILE_TITLE) in view
