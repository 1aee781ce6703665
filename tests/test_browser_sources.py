"""Cards of a scanned PDF (read by OCR) and of a web page added by its address, in a
real browser (Debian's Chromium, 1366×768); screenshots go to test-artifacts/.

The scan is a seed case set in a PDF and rendered to an image at 200 dpi (no text
layer); the web page is the Debian Edu manual's HTML (`make testdocs`), served on
127.0.0.1 and added with add_url (loopback allowed by the setting).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from served import free_port
from test_browser import ARGS, ARTIFACTS, CHROMIUM, ask, open_chat
from test_real_documents import MANUAL_HTML, need

import chat_app
from base.settings import OCR_CACHE_ENV, Settings, WebPolicy
from casechat.library import Library
from casechat.library.web import add_url
from casechat.live_index import LiveIndex
from index.build import build_index
from index.encoder import HashingEmbedder
from ingest.readers import ocr
from tools.known_pdfs import case_paragraphs, columns_pdf, scanned_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium mangler"),
    pytest.mark.skipif(ocr.missing() is not None, reason=f"Tesseract mangler: {ocr.missing()}"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("sources")
    site = root / "site"
    site.mkdir()
    shutil.copy(need(MANUAL_HTML), site / "manual.html")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/manual.html"
    corpus = root / "corpus"
    corpus.mkdir()
    text_pdf = columns_pdf(case_paragraphs("ringkoebing-skjern-temadag-strategi.txt"), ncols=1)
    (corpus / "ringkoebing-skjern-scannet.pdf").write_bytes(scanned_pdf(text_pdf, dpi=200))
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", model="hashing")
    add_url(Library(settings).open(), url, "test", WebPolicy(allow_private=True))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(OCR_CACHE_ENV, str(root / "ocr"))
        report = build_index(settings, HashingEmbedder())
    assert not report.problems, report.problems
    demo = chat_app.build_app(LiveIndex.open(settings, HashingEmbedder()))
    yield chat_app.serve(demo, port=free_port(), block=False), url
    demo.close()
    server.shutdown()


@pytest.fixture(scope="module")
def page(chat) -> Iterator:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="da-DK")
        yield context.new_page()
        browser.close()


def _card(answer, source_text: str):
    card = answer.locator(".cc-card", has=answer.page.locator(".cc-source", has_text=source_text))
    assert card.count() >= 1, answer.inner_text()[:2000]
    return card.first


def test_card_cites_the_scanned_page(page, chat) -> None:
    open_chat(page, chat[0])
    answer = ask(page, "Hvad handlede temadagen i Ringkøbing-Skjern om?", "ocr-card")
    card = _card(answer, "ringkoebing-skjern-scannet.pdf, s. 1")
    assert "Ringkøbing-Skjern" in card.inner_text()
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "card-scanned-pdf.png"))


def test_card_of_a_web_page_cites_its_address(page, chat) -> None:
    open_chat(page, chat[0])
    answer = ask(page, "Hvornår blev Skolelinux grundlagt i Norge?", "web-card")
    card = _card(answer, chat[1])
    assert card.locator(".cc-source").get_attribute("href") == chat[1]
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "card-web-page.png"))
