"""In Chromium: ask, vote 👍 on a card, export, and open the downloaded Word file."""

from __future__ import annotations

import json
from collections.abc import Iterator

import docx
import pytest
from served import Served, serve_copy
from test_browser import ARGS, ARTIFACTS, CHROMIUM

from base.settings import Settings

ODENSE = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is missing: apt-get install chromium"
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def served(built_template: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = serve_copy(built_template, tmp_path_factory.mktemp("browser-export"))
    yield running
    running.close()


@pytest.fixture
def page(served: Served) -> Iterator:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, locale="da-DK", accept_downloads=True
        )
        page = context.new_page()
        page.goto(served.url)
        page.wait_for_selector("#spoergsmaal textarea")
        yield page
        browser.close()


def test_vote_then_export_to_word(page, served: Served, tmp_path) -> None:
    box = page.locator("#spoergsmaal textarea")
    box.fill(ODENSE)
    box.press("Enter")
    card = page.locator("#samtale .cc-card").first
    card.wait_for()

    # 👍 on the first card is stored with the question and the card's passage id
    card.locator('.cc-vote button[data-vote="up"]').click()
    page.wait_for_function(
        "() => document.querySelector('.cc-vote-status')?.textContent.startsWith('Tak')"
    )
    (vote,) = [json.loads(x) for x in served.settings.feedback_path.read_text().splitlines()]
    result = served.live.current().search(ODENSE, k=3)
    assert vote["vote"] == "up" and vote["question"] == ODENSE
    assert vote["chunk_id"] == result.hits[0].chunk.chunk_id  # the card's own passage
    page.screenshot(path=str(ARTIFACTS / "feedback-card.png"))

    page.locator("#eksport").click()
    link = page.locator('#eksport-filer tr:has(td[aria-label$=".docx"]) a.download-link')
    link.wait_for()
    page.locator("#eksport").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "export-button.png"))
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "samtale.docx"
    download.value.save_as(str(path))

    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert f"1. {ODENSE}" in text and "Kort svar: " in text
    for hit in result.hits:
        assert hit.document.meta.title in text and f"Kilde: {hit.chunk.source}" in text
        assert hit.chunk.text in text
    (ARTIFACTS / "export-sample.docx").write_bytes(path.read_bytes())
