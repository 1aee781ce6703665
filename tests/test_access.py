"""Who can reach the chat and what it gives away: loopback only, no files outside the
index, no paths or tracebacks in what the browser receives."""

from __future__ import annotations

import builtins
import inspect
import io
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from conftest import copy_corpus
from typer.testing import CliRunner

import chat_app
from answer.build import build_index
from answer.search import Searcher, open_searcher
from base.settings import ROOT, Settings
from casechat.answer import GENERIC_ERROR, NO_PASSAGES
from casechat.chat_view import CONTEXT_MISSING
from cli import app as cli
from index.encoder import HashingEmbedder
from index.store import current_path
from tools.loadtest import ask, free_port

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")

TRAVERSALS = ["../../etc/passwd", "/etc/passwd", "..%2F..%2Fetc%2Fpasswd", "....//....//etc/passwd"]


@dataclass
class Served:
    settings: Settings
    searcher: Searcher
    demo: chat_app.gr.Blocks
    url: str
    port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("access")
    settings = Settings(copy_corpus(root / "corpus"), root / "index", model="hashing")
    build_index(settings, HashingEmbedder())
    searcher = open_searcher(settings, HashingEmbedder())
    demo = chat_app.build_app(searcher)
    port = free_port()
    url = chat_app.serve(demo, port=port, block=False)
    yield Served(settings, searcher, demo, url, port)
    demo.close()


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30) as http:
        yield http


class Opens:
    """Paths opened by anything in this process (the app's server threads included)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        for owner, name in ((builtins, "open"), (io, "open"), (os, "open")):
            monkeypatch.setattr(owner, name, self._wrap(getattr(owner, name)))

    def _wrap(self, real):
        def opener(file, *args, **kwargs):
            if isinstance(file, str | bytes | os.PathLike):
                self.paths.append(os.fsdecode(file))
            return real(file, *args, **kwargs)

        return opener

    def of(self, needle: str) -> list[str]:
        return [p for p in self.paths if needle in p]


def leaks(text: str, served: Served) -> list[str]:
    """File system paths and tracebacks in a response."""
    marks = ["Traceback", 'File "', "/work/", "/tmp/", str(ROOT), str(served.settings.index_dir)]
    return [m for m in marks if m in text]


# --- loopback only ------------------------------------------------------------------------


def test_every_way_to_start_the_chat_defaults_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for function in (chat_app.launch, chat_app.serve):
        assert inspect.signature(function).parameters["host"].default == "127.0.0.1"
    assert "[default: 127.0.0.1]" in CliRunner().invoke(cli, ["chat", "--help"]).output

    calls = []
    monkeypatch.setattr(chat_app, "launch", lambda settings, host, port, **_: calls.append(host))
    assert CliRunner().invoke(cli, ["chat"]).exit_code == 0  # `casechat chat`
    assert chat_app.main([]) == 0  # `python chat_app.py`
    assert calls == ["127.0.0.1", "127.0.0.1"]


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.255.255.255", 1))
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_running_chat_cannot_be_reached_from_another_address(served: Served) -> None:
    assert served.url.startswith("http://127.0.0.1:")
    address = outward_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    with pytest.raises(OSError):
        socket.create_connection((address, served.port), timeout=3).close()


# --- nothing outside the index is read ----------------------------------------------------


def show_context(served: Served):
    (fn,) = [f.fn for f in served.demo.fns.values() if f.name == "show_context"]
    return fn


@pytest.mark.parametrize("source", TRAVERSALS)
def test_the_context_view_refuses_a_path_and_opens_nothing(
    served: Served, source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opens = Opens(monkeypatch)
    assert show_context(served)(source) == CONTEXT_MISSING  # Danish: ask a question first
    assert opens.paths == []


def test_the_context_view_through_the_browser_queue_returns_no_file(
    served: Served, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The browser calls the (private) context view by number through Gradio's queue."""
    (index,) = [i for i, f in served.demo.fns.items() if f.name == "show_context"]
    opens = Opens(monkeypatch)
    for n, source in enumerate(TRAVERSALS):
        session = f"traversal-{n}"
        joined = client.post(
            "/gradio_api/queue/join",
            json={"data": [source], "fn_index": index, "session_hash": session},
        )
        assert joined.status_code == 200
        with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
            body = "".join(line for line in s.iter_lines() if "process_completed" in line)
        message = json.loads(body.removeprefix("data:"))
        assert message["success"] is False  # Gradio refuses a value that is not a citation
        assert "root:" not in body and leaks(body, served) == []
    assert opens.of("passwd") == []


def test_a_path_as_document_filter_reads_nothing(
    client: httpx.Client, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    opens = Opens(monkeypatch)
    for source in TRAVERSALS:
        started = client.post(
            "/gradio_api/call/ask", json={"data": ["digital ledelse", 3, None, [source]]}
        )
        answer = client.get(f"/gradio_api/call/ask/{started.json()['event_id']}").text
        assert NO_PASSAGES in json.loads(answer.split("data: ", 1)[1])[0]
        assert "root:" not in answer
    assert opens.of("passwd") == []


def test_gradio_serves_no_file_of_the_machine_the_corpus_or_the_index(
    client: httpx.Client, served: Served
) -> None:
    corpus_file = next(served.settings.corpus_dir.glob("*.txt"))
    manifest = current_path(served.settings.index_dir) / "manifest.json"
    targets = ["/etc/passwd", "../../etc/passwd", str(corpus_file), str(manifest)]
    for target in targets:
        for prefix in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
            response = client.get(prefix + target)
            assert response.status_code in (403, 404), (prefix + target, response.status_code)
            assert "root:" not in response.text and '"model"' not in response.text
            assert corpus_file.read_text(encoding="utf-8")[:80] not in response.text


# --- no paths or tracebacks reach the browser ---------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        OSError(2, "No such file or directory", "/work/main/data/index/gen-1/vectors.faiss"),
        RuntimeError("Error in faiss::read_index at /tmp/index/vectors.faiss: bad magic"),
        KeyError("/tmp/pytest/corpus/viborg.txt"),
    ],
    ids=["oserror", "faiss", "keyerror"],
)
def test_an_internal_error_reaches_the_browser_as_a_plain_danish_message(
    served: Served, client: httpx.Client, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(served.searcher, "search", broken)
    answer = ask(client, "Hvordan arbejder Viborg med digital ledelse?")
    assert GENERIC_ERROR in answer
    assert leaks(answer, served) == []


@pytest.mark.parametrize(
    "payload",
    [
        {"data": ["spørgsmål", "ikke et tal", 5, {"a": 1}]},
        {"data": [None, None, None, None]},
        {"data": []},
        {"nonsense": True},
        "not json at all",
    ],
    ids=["wrong-types", "nulls", "no-data", "no-data-key", "not-json"],
)
def test_malformed_api_calls_get_no_traceback_or_paths(
    served: Served, client: httpx.Client, payload
) -> None:
    if isinstance(payload, str):
        started = client.post(
            "/gradio_api/call/ask", content=payload, headers={"content-type": "application/json"}
        )
    else:
        started = client.post("/gradio_api/call/ask", json=payload)
    texts = [started.text]
    if started.status_code == 200 and "event_id" in started.text:
        texts.append(client.get(f"/gradio_api/call/ask/{started.json()['event_id']}").text)
    for text in texts:
        assert leaks(text, served) == [], text[:300]


def test_pages_and_config_the_browser_loads_name_no_paths(
    served: Served, client: httpx.Client
) -> None:
    for path in ("/", "/config", "/gradio_api/info", "/finder-ikke", "/gradio_api/queue/data"):
        response = client.get(path)
        assert leaks(response.text, served) == [], path
