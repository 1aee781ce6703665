"""Helpers for the document-library tests: a library-enabled chat, a small PDF, an editor,
and raw calls of the app's (private) queue events over HTTP, as a hostile client would."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from conftest import copy_corpus
from docmaker import pdf_bytes
from test_chat_app import free_port

import chat_app
from base.settings import Settings
from casechat.library import Library
from casechat.live_index import LiveIndex
from index.encoder import HashingEmbedder

EDITOR = "mette"
PASSWORD = "korrekt-hest-batteri"
#: A question only the generated PDF answers, and the words its page 2 carries.
PDF_QUESTION = "Hvordan bruger Fanø Kommune zylofonrobotter i hjemmeplejen?"
PDF_NAME = "Fanø-zylofonrobotter.pdf"


def zylofon_pdf() -> bytes:
    """Two pages; the answer is on page 2."""
    intro = "Indledning om kommunens arbejde med digital ledelse og nye værktøjer. " * 6
    answer = (
        "Fanø Kommune bruger zylofonrobotter i hjemmeplejen: robotterne minder borgerne om "
        "medicin og måltider, og medarbejderne får mere tid til samtaler. "
    ) * 4
    return pdf_bytes(
        [[("h1", "Indledning"), ("p", intro)], [("h1", "Zylofonrobotter"), ("p", answer)]],
        title="Zylofonrobotter i Fanø Kommune",
        header=None,
    )


class SlowHashing(HashingEmbedder):
    """The fake embedder, slow enough that a build's progress can be seen."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay

    def embed_documents(self, texts, progress=None):
        if self.delay and len(texts) < 50:  # only the library's small builds wait
            time.sleep(self.delay)
        return super().embed_documents(texts, progress=progress)


@dataclass
class LibraryApp:
    url: str
    settings: Settings
    live: LiveIndex
    demo: chat_app.gr.Blocks

    @property
    def builder(self):
        return self.demo.casechat_builder


def library_settings(root: Path, **limits) -> Settings:
    corpus = copy_corpus(root / "corpus")
    return Settings(
        corpus_dir=corpus,
        index_dir=root / "index",
        model="hashing",
        library_dir=root / "library",
        **limits,
    )


def start_library_app(root: Path, editor: bool = True, delay: float = 0.0, **limits) -> LibraryApp:
    settings = library_settings(root, **limits)
    if editor:
        Library(settings).editors.add(EDITOR, PASSWORD)
    live = chat_app.prepare(settings, embedder=SlowHashing(delay))
    demo = chat_app.build_app(live)
    url = chat_app.serve(demo, port=free_port(), block=False)
    return LibraryApp(url, settings, live, demo)


def wait_idle(app: LibraryApp, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    time.sleep(0.2)
    while app.builder.state().busy:
        assert time.monotonic() < deadline, "the build did not finish"
        time.sleep(0.05)


class RawSession:
    """One Gradio session driven over HTTP: /config, upload, queue/join, queue/data."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=30)
        self.session = secrets.token_hex(6)
        self.csrf = ""  # the editor session's CSRF token, once logged in
        config = self.http.get(f"{self.url}/config").json()
        ids = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
        self.events = {}
        for dep in config["dependencies"]:
            for target, event in dep["targets"]:
                self.events.setdefault((ids.get(target), event), dep["id"])
        self.deps = {d["id"]: d for d in config["dependencies"]}

    def log_in(self, name: str, password: str) -> str:
        """Log in as the page does: POST /editor/login (the cookie lands in this client),
        then the button's event, which answers with the CSRF token; the outputs as text."""
        got = self.http.post(f"{self.url}/editor/login", json={"name": name, "password": password})
        failure = "" if got.is_success else got.json().get("fejl", "?")
        outputs = self.call("log-ind", "click", [name, failure])
        self.csrf = outputs[0] if isinstance(outputs[0], str) else self.csrf
        return text_of(outputs)

    def upload(self, path: Path) -> dict:
        with path.open("rb") as handle:
            files = {"files": (path.name, handle)}
            got = self.http.post(f"{self.url}/gradio_api/upload", files=files)
        got.raise_for_status()
        return {"path": got.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}

    def call(self, elem_id: str, event: str, data: list) -> list:
        """Trigger the event of the element as the browser would; the outputs."""
        fn = self.events[(elem_id, event)]
        body = {"data": data, "fn_index": fn, "session_hash": self.session, "event_data": None}
        self.http.post(f"{self.url}/gradio_api/queue/join", json=body).raise_for_status()
        url = f"{self.url}/gradio_api/queue/data?session_hash={self.session}"
        with self.http.stream("GET", url) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    output = msg.get("output") or {}
                    if not msg.get("success", True):
                        raise RuntimeError(str(output))
                    return output.get("data", [])
        raise RuntimeError("no answer from the queue")


def text_of(outputs: list) -> str:
    return " ".join(json.dumps(o, ensure_ascii=False) for o in outputs)
