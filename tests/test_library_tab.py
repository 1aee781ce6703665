"""The Dokumenter tab's server side, called over HTTP as a hostile client would: every
change is refused without a login; with one, hostile uploads change nothing; a chat
killed with SIGKILL during a build loses nothing it took in."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import VIBORG, casechat_command
from docmaker import zip_bomb
from gradio_client import Client
from library_app import (
    EDITOR,
    PASSWORD,
    PDF_QUESTION,
    LibraryApp,
    RawSession,
    library_settings,
    start_library_app,
    text_of,
    wait_idle,
    zylofon_pdf,
)
from test_chat_app import free_port

from answer.build import build_index
from base.settings import TEST_PAUSE_ENV
from casechat.library import Library
from casechat.library.corpus_files import TMP_PREFIX
from index.encoder import HashingEmbedder
from index.store import load_snapshot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")
#: The browser sends None for a gr.State input; the server uses the session's own value.
STATE = None


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryApp]:
    running = start_library_app(tmp_path_factory.mktemp("tab"), max_upload_bytes=512 * 1024)
    wait_idle(running)
    yield running
    running.demo.close()


def corpus(app: LibraryApp) -> list[str]:
    return sorted(p.name for p in app.settings.corpus_dir.iterdir())


def logged_in(app: LibraryApp) -> RawSession:
    raw = RawSession(app.url)
    assert "Logget ind" in raw.log_in(EDITOR, PASSWORD)
    return raw


def add_file(raw: RawSession, path: Path, replace: bool = False) -> str:
    checked = raw.call("upload", "upload", [[raw.upload(path)], raw.csrf])
    form = checked[2:7]
    pick = form[0]["value"] if isinstance(form[0], dict) else form[0]
    title, munis, date, kind = form[1:5]
    added = raw.call("tilfoej", "click", [pick, title, munis, date, kind, replace, STATE, raw.csrf])
    return text_of(checked) + text_of(added)


def test_the_library_has_no_public_api_endpoint(app: LibraryApp) -> None:
    api = Client(app.url, verbose=False).view_api(return_format="dict", print_info=False)
    names = " ".join(api["named_endpoints"]) + " ".join(map(str, api["unnamed_endpoints"]))
    for word in ("upload", "add", "remove", "restore", "log_in", "rebuild"):
        assert word not in names


def test_every_change_is_refused_without_a_login(app: LibraryApp, tmp_path: Path) -> None:
    before = corpus(app)
    raw = RawSession(app.url)
    raw.call(None, "tick", [STATE, "", [], []])  # the session's lists, as a page gets them
    pdf = tmp_path / "zylofon.pdf"
    pdf.write_bytes(zylofon_pdf())
    with pytest.raises(httpx.HTTPStatusError, match="403"):  # Gradio's upload: editors only
        raw.upload(pdf)
    calls = [
        ("upload", "upload", [[], STATE]),
        ("gem-meta", "click", [None, "Titel", [], "", "", STATE, STATE]),
        ("tilfoej", "click", [None, "Titel", [], "", "", True, STATE, STATE]),
        ("fjern", "click", [VIBORG, STATE]),
        ("fjern-ja", "click", [VIBORG, STATE, STATE]),
        ("gendan", "click", [None, STATE]),
        ("opdater", "click", [STATE]),
    ]
    for elem_id, event, data in calls:
        answer = text_of(raw.call(elem_id, event, data))
        assert "Log ind som redaktør" in answer, (elem_id, answer)
        assert "Traceback" not in answer
    assert corpus(app) == before
    assert not any(app.settings.library.glob("staging/*/*"))
    wrong = raw.log_in(EDITOR, "forkert-kodeord")
    assert "Forkert navn eller adgangskode" in wrong
    assert "Log ind som redaktør" in text_of(raw.call("fjern-ja", "click", [VIBORG, VIBORG, STATE]))
    assert corpus(app) == before


def test_a_logged_in_session_hash_is_useless_without_the_cookie(app: LibraryApp) -> None:
    """The Gradio session hash travels in URLs: another client that has it, and even the
    CSRF token, changes nothing without the editor's cookie; the cookie without the CSRF
    token changes nothing either; after "Log ud" the cookie is dead."""
    editor = logged_in(app)
    wait_idle(app)
    before = app.builder.state().version
    thief = RawSession(app.url)
    thief.session = editor.session  # same Gradio session, no cookie
    assert "Log ind som redaktør" in text_of(thief.call("opdater", "click", [editor.csrf]))
    assert "Log ind som redaktør" in text_of(thief.call("opdater", "click", [STATE]))
    assert "Genindlæs siden" in text_of(editor.call("opdater", "click", ["gættet-token"]))
    assert app.builder.state().version == before  # no build was asked for
    stolen = dict(editor.http.cookies)
    editor.call("log-ud", "click", [])
    replay = RawSession(app.url)
    replay.http.cookies.update(stolen)
    assert "Log ind igen" in text_of(replay.call("opdater", "click", [editor.csrf]))


def test_hostile_uploads_over_http(app: LibraryApp, tmp_path: Path) -> None:
    raw = logged_in(app)
    before = corpus(app)
    hostile = {
        "../../../etc/evil.txt": b"Ondsindet tekst om droner i Viborg Kommune.\n\nMere tekst.",
        "bombe.docx": zip_bomb(300 * 1024 * 1024),
        "program.exe": b"MZ\x90\x00" + bytes(range(256)) * 8,
    }
    answers = {}
    for name, data in hostile.items():
        path = tmp_path / Path(name).name
        path.write_bytes(data)
        file = raw.upload(path) | {"orig_name": name}
        answers[name] = text_of(raw.call("upload", "upload", [[file], raw.csrf]))
    big = tmp_path / "stor.txt"
    big.write_bytes(b"a" * (600 * 1024))
    with pytest.raises(httpx.HTTPStatusError, match="413"):  # Gradio refuses it unread
        raw.upload(big)
    assert "tilføjes ikke" in answers["bombe.docx"]
    assert "understøttes ikke" in answers["program.exe"]
    assert "→ evil.txt (TXT): klar" in answers["../../../etc/evil.txt"]  # no path left
    assert corpus(app) == before  # checked uploads are staged, not in the corpus
    assert not (Path("/etc/evil.txt")).exists()


def test_two_editors_uploading_at_once_both_land(app: LibraryApp, tmp_path: Path) -> None:
    results: dict[int, str] = {}

    def editor(i: int) -> None:
        path = tmp_path / f"samtidig-{i}.txt"
        path.write_text(f"Samtidig {i}\n\nZylofonby {i} Kommune tester droner nummer {i}.\n")
        results[i] = add_file(logged_in(app), path)

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all("Tilføjet" in results[i] for i in range(2)), results
    wait_idle(app)
    docs = app.live.current().snapshot.documents
    assert {"samtidig-0.txt", "samtidig-1.txt"} <= set(docs)


def test_searches_during_builds_have_no_errors(app: LibraryApp, tmp_path: Path) -> None:
    client = Client(app.url, verbose=False)
    raw = logged_in(app)
    errors, answers, stop = [], [], threading.Event()

    def ask_loop() -> None:
        while not stop.is_set():
            try:
                answers.append(client.predict(PDF_QUESTION, 3, None, None, api_name="/ask"))
            except Exception as exc:  # noqa: BLE001 - counted below
                errors.append(exc)

    thread = threading.Thread(target=ask_loop)
    thread.start()
    try:
        path = tmp_path / "zylofon.pdf"
        path.write_bytes(zylofon_pdf())
        assert "Tilføjet" in add_file(raw, path)
        wait_idle(app)
        # Remove only once the loop has been answered from the index with the PDF in it:
        # on a busy machine the loop may not have asked again before the removal.
        deadline = time.monotonic() + 60
        while not any("zylofon.pdf" in a for a in list(answers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        raw.call(None, "tick", [STATE, "", [], []])  # the page's lists now name the PDF
        raw.call("fjern", "click", ["zylofon.pdf", raw.csrf])
        raw.call("fjern-ja", "click", ["zylofon.pdf", STATE, raw.csrf])
        wait_idle(app)
    finally:
        stop.set()
        thread.join(30)
    assert errors == [] and len(answers) > 3
    assert not any("fejl" in a.lower() for a in answers)
    assert any("zylofon.pdf" in a for a in answers)  # found while it was in the library


def _wait_for(process: subprocess.Popen, text: str, lines: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        lines.append(line)
        if text in line:
            return
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"never saw {text!r}: {''.join(lines)[-2000:]}")


def _chat(root: Path, port: int, pause: str | None) -> subprocess.Popen:
    env = {
        **os.environ,
        "CASECHAT_MODEL": "hashing",
        "CASECHAT_CORPUS_DIR": str(root / "corpus"),
        "CASECHAT_INDEX_DIR": str(root / "index"),
        "CASECHAT_LIBRARY_DIR": str(root / "library"),
        "COLUMNS": "200",
    }
    env.pop(TEST_PAUSE_ENV, None)
    if pause:
        env[TEST_PAUSE_ENV] = pause
    command = [casechat_command(), "chat", "--port", str(port)]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)


def test_sigkill_during_a_build_loses_nothing(tmp_path: Path) -> None:
    settings = library_settings(tmp_path)
    Library(settings).editors.add(EDITOR, PASSWORD)
    build_index(settings, HashingEmbedder())  # so the start-up build has nothing to do
    port, lines = free_port(), []
    chat = _chat(tmp_path, port, pause="embedding")
    try:
        _wait_for(chat, "Webchatten kører", lines, 60)
        old = load_snapshot(settings.index_dir)
        path = tmp_path / "Fanø zylofon.pdf"
        path.write_bytes(zylofon_pdf())
        raw = RawSession(f"http://127.0.0.1:{port}/")
        assert "Logget ind" in raw.log_in(EDITOR, PASSWORD)
        assert "Tilføjet: Fanø-zylofon.pdf" in add_file(raw, path)
        _wait_for(chat, "CASECHAT_PAUSED embedding", lines, 30)
    finally:
        chat.send_signal(signal.SIGKILL)
        chat.wait(10)
    names = sorted(p.name for p in settings.corpus_dir.iterdir())
    assert "Fanø-zylofon.pdf" in names and "Fanø-zylofon.pdf.meta.json" in names
    assert not [n for n in names if n.startswith(TMP_PREFIX)]
    assert load_snapshot(settings.index_dir).path == old.path  # the old index is still live

    chat, lines = _chat(tmp_path, port, pause=None), []
    try:
        _wait_for(chat, "Webchatten kører", lines, 60)
        assert "1 tilføjet" in "".join(lines)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/gradio_api/call/ask", json={"data": [PDF_QUESTION, 1]}
        )
        assert answer.status_code == 200
    finally:
        chat.terminate()
        chat.wait(10)
    assert "Fanø-zylofon.pdf" in load_snapshot(settings.index_dir).documents
