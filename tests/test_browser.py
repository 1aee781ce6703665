"""The web chat in a real browser: Debian's Chromium driven by Playwright.

The fake-embedder tests check what a person sees (escaping, filters, context
view); the slow ones run the real model on the real corpus. Screenshots and
answer times go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_chat_app import HOSTILE_TITLE, KL_TITLE, ODENSE_QUESTION, RunningApp, start_app

from base.settings import DEFAULT_MODEL, ROOT
from casechat.answer import NO_PASSAGES

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
APPLE_CAKE = "Hvad er opskriften på æblekage?"
VEJLE = "Vi er i Vejle og vil lave et lederforløb – hvad gjorde Viborg?"


def _municipality(meta: str) -> str:
    """The "Kommune: …" part of a card's meta line."""
    return next((part for part in meta.split("·") if "Kommune:" in part), "")


TIMINGS: list[dict] = []
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|^(data|blob|about):")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is missing: apt-get install chromium"
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
    if TIMINGS:
        (ARTIFACTS / "browser-timings.json").write_text(
            json.dumps(TIMINGS, ensure_ascii=False, indent=2), encoding="utf-8"
        )


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="da-DK")
    page = context.new_page()
    page.dialogs = []  # every alert/confirm/prompt the page tries to open

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.external = []  # requests that leave the machine (web fonts, analytics, ...)
    page.on("request", lambda r: None if LOCAL.match(r.url) else page.external.append(r.url))
    yield page
    context.close()


@pytest.fixture(scope="module")
def fake_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("browser-fake"))
    yield running
    running.demo.close()


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("browser-real"), model=DEFAULT_MODEL)
    yield running
    running.demo.close()


def open_chat(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#spoergsmaal textarea")


def ask(page, question: str, label: str) -> object:
    """Type and submit a question; the new answer once it is on screen. Records the time."""
    answers = page.locator('#samtale [data-testid="bot"]')
    before = answers.count()
    box = page.locator("#spoergsmaal textarea")
    box.fill(question)
    started = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#samtale [data-testid=\"bot\"] .cc-answer').length > n",
        arg=before,
    )
    browser_s = time.perf_counter() - started
    answer = answers.nth(before)
    footer = answer.locator(".cc-footer")
    server = re.search(r"søgetid (\d+) ms", footer.inner_text()) if footer.count() else None
    TIMINGS.append(
        {
            "step": label,
            "browser_ms": round(browser_s * 1000),
            "server_ms": int(server.group(1)) if server else None,
        }
    )
    page.wait_for_timeout(300)  # the scroll to the new question
    return answer


def pick(page, elem_id: str, option: str) -> None:
    """Choose an option in one of the app's dropdowns, then close its list."""
    page.click(f"#{elem_id} input")
    page.locator('[role="option"]', has_text=option).first.click()
    page.locator("h1, h2").first.click()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def card_texts(answer, selector: str) -> list[str]:
    return [t.strip() for t in answer.locator(f".cc-card {selector}").all_inner_texts()]


# --- fake embedder: what a person sees --------------------------------------------------


def test_markup_in_question_and_document_is_shown_as_text(page, fake_app: RunningApp) -> None:
    open_chat(page, fake_app.url)
    question = "<script>alert(1)</script> Hvad har Sikkerby testet i zylofonchatten?"
    answer = ask(page, question, "fake: <script> question")
    shot(page, "fake-script-question")
    assert page.locator('#samtale [data-testid="user"]').last.inner_text().strip() == question
    assert any(HOSTILE_TITLE in meta for meta in card_texts(answer, ".cc-meta"))
    assert "&lt;script&gt;alert(3)" in answer.inner_text()  # the entity, not a tag
    assert page.locator("#samtale script, #samtale img, #samtale b:has-text('fed')").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []
    assert page.external == []


def test_filter_and_context_view(page, fake_app: RunningApp) -> None:
    open_chat(page, fake_app.url)
    pick(page, "kommuner", "Viborg")
    answer = ask(page, "Hvordan arbejder kommunen med digital ledelse?", "fake: filter Viborg")
    metas = card_texts(answer, ".cc-meta")
    assert metas and all("Kommune: Viborg" in m for m in metas)
    second = card_texts(answer, ".cc-text")[1]
    pick(page, "kilde", "[2]")
    page.click("#vis-kontekst")
    marked = page.locator("#kontekst mark.cc-passage")
    marked.wait_for()
    assert marked.inner_text().strip() == second
    assert len(page.locator("#kontekst .cc-context-text").inner_text()) > len(second) + 500
    shot(page, "fake-filter-context")


def test_short_followup_is_searched_with_the_previous_question(page, fake_app) -> None:
    open_chat(page, fake_app.url)
    ask(page, "Hvordan har Viborg arbejdet med digital ledelse?", "fake: first question")
    answer = ask(page, "og i Odense?", "fake: follow-up")
    footer = answer.locator(".cc-footer").inner_text()
    assert "Hvordan har Odense arbejdet med digital ledelse?" in footer
    assert any("Odense" in m for m in card_texts(answer, ".cc-meta"))


@pytest.mark.parametrize("clear", ["#ryd", '#samtale button[aria-label="Ryd samtalen"]'])
def test_example_button_asks_and_clearing_starts_over(page, fake_app, clear: str) -> None:
    open_chat(page, fake_app.url)
    page.get_by_role("button", name=ODENSE_QUESTION).click()
    page.locator("#samtale .cc-card").first.wait_for()
    assert page.locator('#samtale [data-testid="user"]').last.inner_text().strip() == (
        ODENSE_QUESTION
    )
    page.click("#vis-kontekst")
    page.locator("#kontekst mark.cc-passage").wait_for()
    page.click(clear)
    page.locator("#samtale .cc-card").first.wait_for(state="detached")
    page.locator("#kontekst mark").wait_for(state="detached")
    answer = ask(page, "og i Viborg?", "fake: after clearing")  # nothing to follow up on
    assert "»og i Viborg?«" in answer.locator(".cc-footer").inner_text()


# --- the real model on the real corpus --------------------------------------------------


@pytest.mark.slow
def test_odense_question_with_the_real_model(page, real_app: RunningApp) -> None:
    open_chat(page, real_app.url)
    answer = ask(page, ODENSE_QUESTION, "real: Odense question")
    shot(page, "real-odense-answer")
    titles, metas = card_texts(answer, ".cc-title"), card_texts(answer, ".cc-meta")
    texts = card_texts(answer, ".cc-text")
    # The cards are titled with the case (the KL report's Odense case), the report's title
    # is in the meta line, and a short answer is quoted above them.
    odense = [i for i, t in enumerate(titles) if t.startswith("Odense ›")]
    assert odense, titles
    assert KL_TITLE in metas[odense[0]]
    short = answer.locator(".cc-short")
    assert short.count() == 1 and "Kort svar:" in short.inner_text()
    quoted = short.locator(".cc-quote").first.inner_text().strip()
    assert any(quoted in text for text in texts)  # word for word from a shown passage

    pick(page, "kilde", f"[{odense[0] + 1}]")
    page.click("#vis-kontekst")
    marked = page.locator("#kontekst mark.cc-passage")
    marked.wait_for()
    assert marked.inner_text().strip() == texts[odense[0]]
    page.locator("#kontekst").scroll_into_view_if_needed()
    shot(page, "real-odense-context")

    pick(page, "kommuner", "Odense")
    answer = ask(page, "Hvordan er lederne blevet klædt på til digitalisering?", "real: filter")
    metas = card_texts(answer, ".cc-meta")
    assert metas and all("Odense" in _municipality(m) for m in metas)
    shot(page, "real-filter-odense")

    answer = ask(page, "<script>alert(1)</script> og ledelse", "real: <script> question")
    assert (
        "<script>alert(1)</script>"
        in page.locator('#samtale [data-testid="user"]').last.inner_text()
    )
    page.wait_for_timeout(500)
    assert page.dialogs == []
    shot(page, "real-script-question")


@pytest.mark.slow
@pytest.mark.xfail(
    strict=False,
    reason="issue 18, refused_answerable missed: the answer model gives this answerable question "
    "a probability near the `none` threshold (0.30 on one build of the five cases, below 0.25 "
    "on another), so it may show no passages",
)
def test_own_municipality_question_shows_the_viborg_passages_under_a_note(
    page, real_app: RunningApp
) -> None:
    open_chat(page, real_app.url)
    answer = ask(page, VEJLE, "real: Vejle")
    shot(page, "real-vejle-note")
    note = answer.locator(".cc-nearest")
    assert note.count() == 1 and "Casene nævner ikke »Vejle«" in note.inner_text()
    metas = card_texts(answer, ".cc-meta")
    assert metas and "Viborg" in _municipality(metas[0])


@pytest.mark.slow
def test_apple_cake_question_gets_no_passages_with_the_real_model(
    page, real_app: RunningApp
) -> None:
    open_chat(page, real_app.url)
    answer = ask(page, APPLE_CAKE, "real: æblekage")
    shot(page, "real-apple-cake")
    result = real_app.searcher.search(APPLE_CAKE)
    scores = f"best cosine {result.dense_top:.3f}, keyword coverage {result.coverage:.2f}"
    assert NO_PASSAGES in answer.inner_text(), scores
    assert answer.locator(".cc-card").count() == 0
