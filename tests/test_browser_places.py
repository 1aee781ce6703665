"""Municipalities in the browser (issue 18 items 4 and 5), real model on the real corpus, at
1366×768: an Odense question whose Kort svar is about Odense, and the note of a follow-up
that names a municipality none of the shown passages is about. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser import ARGS, ARTIFACTS, CHROMIUM, _municipality, ask, card_texts, open_chat
from test_chat_app import RunningApp, start_app

from base.settings import DEFAULT_MODEL

ODENSE = "Hvordan arbejdede Odense med digitale kompetencer hos medarbejderne?"
VTCV = "Hvad er et velfærdsteknologisk CV?"
HERNING_NOTE = "Ingen af passagerne handler om Herning – her er det nærmeste fra København."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is missing: apt-get install chromium"
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("browser-places"), model=DEFAULT_MODEL)
    yield running
    running.demo.close()


@pytest.fixture
def page(real_app: RunningApp) -> Iterator:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="da-DK")
        page = context.new_page()
        open_chat(page, real_app.url)
        yield page
        chromium.close()


#: Scroll the chat so that the answer's first line (the note) is below the chat's label.
SHOW_TOP = """e => {
  e.scrollIntoView({block: 'start'});
  let box = e.parentElement;
  while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
  if (box) box.scrollTop -= 48;
  window.scrollTo(0, 0);
}"""


def show_top(page, answer) -> None:
    answer.evaluate(SHOW_TOP)
    page.wait_for_timeout(300)


def test_the_kort_svar_of_an_odense_question_is_about_odense(page) -> None:
    answer = ask(page, ODENSE, "places: Odense")
    show_top(page, answer)
    page.screenshot(path=str(ARTIFACTS / "places-odense-kort-svar.png"))
    metas, texts = card_texts(answer, ".cc-meta"), card_texts(answer, ".cc-text")
    assert metas and "Odense" in _municipality(metas[0])
    short = answer.locator(".cc-short")
    assert short.count() == 1
    quoted = short.locator(".cc-quote").first.inner_text().strip()
    card = next(i for i, text in enumerate(texts) if quoted in text)
    assert "Odense" in _municipality(metas[card])


def test_a_followup_naming_a_municipality_no_passage_is_about_gets_the_note(page) -> None:
    ask(page, VTCV, "places: VTCV")
    answer = ask(page, "og i Herning?", "places: og i Herning?")
    show_top(page, answer)
    page.screenshot(path=str(ARTIFACTS / "places-herning-note.png"))
    note = answer.locator(".cc-nearest")
    assert note.count() == 1 and HERNING_NOTE in note.inner_text()
    metas = card_texts(answer, ".cc-meta")
    assert metas and not any("Herning" in _municipality(m) for m in metas)
