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
from answer.build import build_index
from base.settings import LIBRARY_ENV, OCR_CACHE_ENV, WEB_ALLOW_PRIVATE_ENV, Settings, WebPolicy
from casechat.library import Library
from casechat.library.web import add_url
from casechat.live_index import LiveIndex
from index.encoder import HashingEmbedder
from ingest.readers import ocr
from tools.known_pdfs import case_paragraphs, columns_pdf, scanned_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium mangler"),
    pytest.mark.skipif(ocr.missing() is not None, reason=f"Tesseract mangler: {ocr.missing()}"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


EDITOR, PASSWORD = "mette", "korrekt-hest-batteri"
PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8">
<title>Velfærdsteknologi i Vejle Kommune</title><meta name="author" content="Sofie Holm">
<meta property="article:published_time" content="2024-05-02"></head><body>
<nav>Forside · Nyheder</nav><article><h1>Velfærdsteknologi i Vejle Kommune</h1>
<p>Vejle Kommune har afprøvet skærmbesøg i hjemmeplejen, og 120 borgere bruger dem nu hver
uge. Medarbejderne sparer køretid, og borgerne får besøg på faste tidspunkter.</p>
<p>Lederne fortæller, at det vigtigste var at tage medarbejderne med fra begyndelsen.</p>
</article></body></html>"""


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
    library = Library(settings).open()
    add_url(library, url, "test", WebPolicy(allow_private=True))
    library.editors.add(EDITOR, PASSWORD)
    (site / "side.html").write_text(PAGE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(OCR_CACHE_ENV, str(root / "ocr"))
        patch.setenv(LIBRARY_ENV, str(settings.library))
        patch.setenv(WEB_ALLOW_PRIVATE_ENV, "1")  # the tab's fetches reach 127.0.0.1
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
    assert card.locator(".cc-meta .cc-source").get_attribute("href") == chat[1]
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "card-web-page.png"))


def test_an_editor_adds_and_refreshes_a_page_in_the_tab(page, chat) -> None:
    url = chat[1].replace("manual.html", "side.html")
    open_chat(page, chat[0])
    page.get_by_role("tab", name="Dokumenter").click()
    page.fill("#login-navn textarea", EDITOR)
    page.fill("#login-kode input", PASSWORD)
    page.click("#log-ind")
    page.get_by_text("Tilføj fra webadresse").click()
    page.fill("#web-adresse textarea", url)
    page.click("#web-hent")
    notice = page.locator("#bibliotek-besked")
    notice.get_by_text("127-0-0-1-side.html").wait_for(timeout=60_000)
    assert f"Hentet: {url}" in notice.inner_text()
    page.locator('#bibliotek-status [data-phase="idle"]').wait_for(timeout=120_000)
    page.click("#web-valg input")
    page.locator('[role="option"]', has_text="Alle websider").first.click()
    page.click("#web-opdater")
    notice.get_by_text("127-0-0-1-side.html: uændret").wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "library-web-address.png"), full_page=True)
    answer = ask(page.get_by_role("tab", name="Chat").click() or page,
                 "Hvor mange borgere i Vejle bruger skærmbesøg?", "web-tab")  # fmt: skip
    assert url in answer.inner_text()
