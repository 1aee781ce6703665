"""The Dokumenter tab in Debian's Chromium: log in, upload a PDF, watch the build, ask,
remove, restore; and a change refused without a valid login. Fake embedder, small PDF.

Screenshots go to test-artifacts/ (library-tab.png, library-refused.png).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from library_app import (
    EDITOR,
    PASSWORD,
    PDF_NAME,
    PDF_QUESTION,
    LibraryApp,
    start_library_app,
    zylofon_pdf,
)
from test_browser import ARGS, ARTIFACTS, CHROMIUM

from casechat.library import Library

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is missing"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryApp]:
    running = start_library_app(tmp_path_factory.mktemp("browser-library"), delay=1.5)
    yield running
    running.demo.close()


@pytest.fixture
def page(app: LibraryApp) -> Iterator:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="da-DK")
        page = context.new_page()
        page.goto(app.url)
        page.wait_for_selector("#spoergsmaal textarea")
        yield page
        browser.close()


def open_library(page) -> None:
    page.get_by_role("tab", name="Dokumenter").click()
    page.locator("#dok-liste").wait_for()


def log_in(page, password: str = PASSWORD) -> None:
    page.fill("#login-navn textarea", EDITOR)
    page.fill("#login-kode input", password)
    page.click("#log-ind")


def choose(page, elem_id: str, option: str) -> None:
    page.click(f"#{elem_id} input")
    page.locator('[role="option"]', has_text=option).first.click()


def ask(page, question: str) -> str:
    page.get_by_role("tab", name="Chat").click()
    answers = page.locator('#samtale [data-testid="bot"] .cc-answer')
    before = answers.count()
    page.fill("#spoergsmaal textarea", question)
    page.press("#spoergsmaal textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#samtale [data-testid=\"bot\"] .cc-answer').length > n",
        arg=before,
    )
    return answers.nth(before).inner_text()


def wait_built(page) -> None:
    page.locator('#bibliotek-status [data-phase="idle"]').wait_for(timeout=30_000)


def test_upload_ask_remove_restore(page, app: LibraryApp, tmp_path) -> None:
    assert PDF_NAME not in ask(page, PDF_QUESTION)
    open_library(page)
    assert page.locator("#upload").count() == 0 or not page.locator("#upload").is_visible()
    log_in(page)
    page.locator("#bibliotek-besked", has_text="Logget ind som mette").wait_for()
    pdf = tmp_path / "Fanø zylofonrobotter.pdf"
    pdf.write_bytes(zylofon_pdf())
    page.set_input_files("#upload input[type=file]", str(pdf))
    page.locator("#upload-resultat", has_text="klar").wait_for(timeout=20_000)
    assert page.input_value("#meta-titel textarea") == "Zylofonrobotter i Fanø Kommune"
    assert "Fanø" in page.locator("#meta-kommuner").inner_text()  # found in the text
    page.fill("#meta-dato textarea", "2025-04-01")
    page.click("#tilfoej")
    page.locator("#bibliotek-besked", has_text=f"Tilføjet: {PDF_NAME}").wait_for()
    # the form is cleared after a successful add: no old file, no old metadata
    assert page.input_value("#meta-titel textarea") == ""
    assert page.input_value("#meta-dato textarea") == ""
    assert "zylofon" not in page.locator("#upload").inner_text()
    page.locator("#bibliotek-status .lib-bar").wait_for(timeout=10_000)  # the progress bar
    page.screenshot(path=str(ARTIFACTS / "library-progress.png"), full_page=True)
    wait_built(page)
    row = page.locator("#dok-liste [role=row]", has_text=PDF_NAME)
    row.wait_for()
    assert "indekseret" in row.inner_text() and "PDF" in row.inner_text()
    page.fill("#dok-soeg textarea", "zylofon")
    page.wait_for_timeout(800)
    assert page.locator("#dok-liste [role=row]").count() == 2  # the header and the PDF
    page.screenshot(path=str(ARTIFACTS / "library-tab.png"), full_page=True)

    answer = ask(page, PDF_QUESTION)
    assert f"Kilde: {PDF_NAME}, s. 2" in answer  # the citation names the page
    assert "Åbn PDF på s. 2" in answer  # and the card links to that page of the PDF
    choices = page.locator("#dokumenter input")
    choices.click()
    assert page.locator('[role="option"]', has_text="Zylofonrobotter").count() >= 1
    page.keyboard.press("Escape")

    open_library(page)
    choose(page, "fjern-valg", PDF_NAME)
    page.click("#fjern")
    page.click("#fjern-ja")
    page.locator("#bibliotek-besked", has_text="ligger i papirkurven").wait_for()
    wait_built(page)
    page.wait_for_timeout(500)
    assert PDF_NAME not in ask(page, PDF_QUESTION)

    open_library(page)
    choose(page, "gendan-valg", PDF_NAME)
    page.click("#gendan")
    page.locator("#bibliotek-besked", has_text=f"Gendannet: {PDF_NAME}").wait_for()
    wait_built(page)
    page.wait_for_timeout(500)
    assert f"Kilde: {PDF_NAME}, s. 2" in ask(page, PDF_QUESTION)


def test_changes_are_refused_without_a_valid_login(page, app: LibraryApp) -> None:
    open_library(page)
    assert not page.locator("#tilfoej").is_visible()
    log_in(page, "forkert-kodeord")
    page.locator("#bibliotek-besked", has_text="Forkert navn eller adgangskode").wait_for()
    log_in(page)
    page.locator("#bibliotek-besked", has_text="Logget ind").wait_for()
    library = Library(app.settings)
    library.editors.add("reserve", "endnu-en-kode-123")
    library.editors.remove(EDITOR)  # e.g. `casechat editor remove mette` meanwhile
    try:
        before = sorted(p.name for p in app.settings.corpus_dir.iterdir())
        page.wait_for_timeout(1600)
        choose(page, "fjern-valg", "Viborg")
        page.click("#fjern")
        refused = page.locator("#bibliotek-besked", has_text="findes ikke længere")
        refused.wait_for()
        page.screenshot(path=str(ARTIFACTS / "library-refused.png"), full_page=True)
        assert sorted(p.name for p in app.settings.corpus_dir.iterdir()) == before
        assert "Traceback" not in page.content()
    finally:
        library.editors.add(EDITOR, PASSWORD)
        library.editors.remove("reserve")
