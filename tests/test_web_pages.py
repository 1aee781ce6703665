"""Web pages by their address (ingest/web.py, casechat/library/web.py), against a local
HTTP server serving the Debian Edu manual's real HTML page (`make testdocs`).

The server is http.server on 127.0.0.1: it sends Last-Modified and answers
If-Modified-Since with 304, as real servers do. Loopback is a private address,
so the tests allow it by the setting (CASECHAT_WEB_ALLOW_PRIVATE's policy), and
one test shows it is refused without.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_real_documents import MANUAL_HTML, need

from answer.build import build_index
from base.errors import WebError
from base.settings import Settings, WebPolicy
from casechat.answer import Responder
from casechat.library import Library
from casechat.library.web import add_url, refresh, web_sources
from casechat.live_index import LiveIndex
from index.encoder import HashingEmbedder
from ingest.web import fetch

ALLOW = WebPolicy(allow_private=True, timeout_seconds=30)


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        moves = {"/gammel": "/ny", "/ny": "/manual.html", "/ring": "/ring"}
        if self.path in moves:
            self.send_response(301)
            self.send_header("Location", moves[self.path])
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


@dataclass
class Site:
    root: Path
    url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    shutil.copy(need(MANUAL_HTML), root / "manual.html")
    (root / "billede.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Site(root, f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()


@pytest.fixture
def library(tmp_path: Path) -> Library:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    return Library(settings).open()


def test_refused_before_anything_is_fetched(site: Site) -> None:
    with pytest.raises(WebError, match="privat eller lokalt netværk"):
        fetch(f"{site.url}/manual.html", WebPolicy())  # loopback, not allowed by default
    for bad in ("file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)"):
        with pytest.raises(WebError, match="kun adresser med http"):
            fetch(bad, ALLOW)


def test_errors_say_what_happened(site: Site) -> None:
    with pytest.raises(WebError, match="svarede 404"):
        fetch(f"{site.url}/findes-ikke.html", ALLOW)
    with pytest.raises(WebError, match="viderestiller mere end 5 gange"):
        fetch(f"{site.url}/ring", ALLOW)
    with pytest.raises(WebError, match="over 0,1 MB"):
        fetch(f"{site.url}/manual.html", WebPolicy(allow_private=True, max_bytes=100_000))
    with pytest.raises(WebError, match="ikke en webside, men image/png"):
        fetch(f"{site.url}/billede.png", ALLOW)


def test_redirects_are_followed_to_the_page(site: Site) -> None:
    got = fetch(f"{site.url}/gammel", ALLOW)
    assert got.url == f"{site.url}/manual.html"
    assert got.html == (site.root / "manual.html").read_bytes()
    assert got.last_modified


def test_add_refresh_and_cite_a_page(site: Site, library: Library, monkeypatch) -> None:
    monkeypatch.setenv("CASECHAT_WEB_ALLOW_PRIVATE", "1")
    change = add_url(library, f"{site.url}/gammel", "test")
    corpus = library.settings.corpus_dir
    sidecar = json.loads((corpus / (change.name + ".meta.json")).read_text(encoding="utf-8"))
    assert change.name == "127-0-0-1-manual.html"
    assert sidecar["url"] == f"{site.url}/manual.html"
    assert sidecar["title"] == "Manual for Debian Edu / Skolelinux 12 Bookworm"
    assert sidecar["kind"] == "Webside" and sidecar["last_modified"]
    assert (corpus / change.name).read_bytes() == (site.root / "manual.html").read_bytes()
    assert web_sources(library) == {change.name: f"{site.url}/manual.html"}

    build_index(library.settings, HashingEmbedder())
    live = LiveIndex.open(library.settings, HashingEmbedder())
    answer = Responder(live).answer("Hvornår blev Skolelinux grundlagt i Norge?", k=3)
    assert f'href="{site.url}/manual.html"' in answer.html  # the card cites the address

    unchanged = refresh(library, change.name, "test")
    assert unchanged.change is None and "304" in unchanged.reason
    page = site.root / "manual.html"
    os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 60))  # same text, newer
    same = refresh(library, change.name, "test")
    assert same.change is None and same.reason == "teksten er uændret"
    page.write_bytes(page.read_bytes().replace(b"2. juli 2001", b"3. juli 2001"))
    os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 120))
    changed = refresh(library, change.name, "test")
    assert changed.change is not None and changed.change.replaced == change.name
    assert b"3. juli 2001" in (corpus / change.name).read_bytes()
    report = build_index(library.settings, HashingEmbedder())
    assert report.updated == [change.name]


def test_the_cli_adds_and_refreshes(site: Site, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from cli import app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("CASECHAT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("CASECHAT_LIBRARY_DIR", str(tmp_path / "library"))
    runner = CliRunner()
    refused = runner.invoke(app, ["add-url", f"{site.url}/manual.html", "--no-build"])
    assert refused.exit_code == 1 and "privat eller lokalt netværk" in refused.output
    monkeypatch.setenv("CASECHAT_WEB_ALLOW_PRIVATE", "1")
    bad = runner.invoke(app, ["add-url", f"{site.url}/mangler.html", "--no-build"])
    assert bad.exit_code == 1 and "svarede 404" in bad.output
    added = runner.invoke(app, ["add-url", f"{site.url}/manual.html", "--no-build"])
    assert added.exit_code == 0, added.output
    assert "Tilføjet: 127-0-0-1-manual.html" in added.output
    again = runner.invoke(app, ["refresh-url", "--no-build"])
    assert again.exit_code == 0 and "127-0-0-1-manual.html: uændret" in again.output
