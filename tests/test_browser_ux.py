"""The chat on a laptop (1366×768) and a phone (390×844), by keyboard and for everyone.

One library-enabled app (fake embedder, the seed corpus) and one Chromium for the
module: context from the card, two card headers in the first screen, similar
passages, the `?q=` link, the document page, Danish-only text, axe-core (WCAG 2.1
AA: no serious or critical violations) and a keyboard-only run. Screenshots and
the axe summary go to test-artifacts/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from library_app import EDITOR, PASSWORD, LibraryApp, start_library_app
from test_browser import ARGS, ARTIFACTS, CHROMIUM
from test_chat_app import RunningApp, start_app

from base.settings import DEFAULT_MODEL, ROOT

AXE = ROOT / "data" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SIZES = {"laptop": LAPTOP, "phone": PHONE}
QUESTION = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
#: Gradio's own English defaults (its bundled `en` texts) that this app could show.
GRADIO_ENGLISH = (
    "Drop File Here",
    "Click to Upload",
    "Uploading...",
    "Loading",
    "Clear",
    "Remove",
    "Download",
    "Error",
    "Sort column",
    "Copy message",
    "Built with Gradio",
    "Use via API",
    "Settings",
    "Dropdown",
    "Click to upload or drop files",
    "Info",
    "Warning",
    "Close",
    "Slider",
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is missing"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryApp]:
    running = start_library_app(tmp_path_factory.mktemp("browser-ux"))
    yield running
    running.demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def new_page(browser, app: LibraryApp, size: dict, path: str = "", axe: bool = False):
    context = browser.new_context(viewport=size, locale="da-DK")
    if axe:  # injected by the browser itself on every page: the page's CSP allows no foreign script
        context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto(app.url + path)
    page.wait_for_selector("#spoergsmaal textarea")
    return page


def answers(page):
    return page.locator('#samtale [data-testid="bot"] .cc-answer')


def ask(page, question: str):
    before = answers(page).count()
    page.fill("#spoergsmaal textarea", question)
    page.press("#spoergsmaal textarea", "Enter")
    return wait_answer(page, before)


def wait_answer(page, before: int):
    page.wait_for_function(
        "n => document.querySelectorAll('#samtale [data-testid=\"bot\"] .cc-answer').length > n",
        arg=before,
    )
    page.wait_for_timeout(400)  # the scroll to the new question
    return answers(page).nth(before)


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def source_of(card) -> str:
    return card.locator(".cc-source").first.inner_text().split(",")[0].strip()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_library(page, logged_in: bool = False) -> None:
    page.get_by_role("tab", name="Dokumenter").click()
    page.locator("#dok-liste").wait_for()
    if logged_in:
        page.fill("#login-navn textarea", EDITOR)
        page.fill("#login-kode input", PASSWORD)
        page.click("#log-ind")
        page.locator("#upload").wait_for()


@pytest.mark.parametrize("size", SIZES)
def test_card_opens_its_context_in_one_click(browser, app: LibraryApp, size: str) -> None:
    page = new_page(browser, app, SIZES[size])
    answer = ask(page, QUESTION)
    cards = answer.locator(".cc-card")
    assert cards.count() >= 2
    if size == "laptop":  # the short answer and two card headers without scrolling
        heads = answer.locator(".cc-head")
        assert in_view(page, heads.nth(0)) and in_view(page, heads.nth(1))
        short = answer.locator(".cc-short")
        assert short.count() == 0 or in_view(page, short)
    shot(page, f"ux-answer-{size}")
    second = cards.nth(1)
    text = second.locator(".cc-text").inner_text().strip()
    second.get_by_text("Vis i kontekst").click()
    marked = second.locator("mark.cc-passage")
    marked.wait_for()
    assert marked.inner_text().strip() == text
    assert len(second.locator(".cc-context-text").inner_text()) > len(text) + 200
    shot(page, f"ux-context-{size}")
    second.get_by_text("Vis i kontekst").click()
    marked.wait_for(state="hidden")
    # the clamp hides nothing: "Vis hele passagen" shows the whole text
    more = cards.nth(0).locator(".cc-more")
    if more.is_visible():
        clamped = cards.nth(0).locator(".cc-text").bounding_box()["height"]
        more.click()
        assert cards.nth(0).locator(".cc-text").bounding_box()["height"] > clamped
    page.context.close()


def test_similar_passages_and_the_link_to_an_answer(browser, app: LibraryApp) -> None:
    page = new_page(browser, app, LAPTOP)
    answer = ask(page, QUESTION)
    first = answer.locator(".cc-card").first
    own = source_of(first)
    before = answers(page).count()
    first.get_by_role("button", name="Find lignende passager").click()
    similar = wait_answer(page, before)
    found = similar.locator(".cc-card")
    assert found.count() >= 1
    assert all(source_of(found.nth(i)) != own for i in range(found.count()))
    assert (
        "Find lignende passager" in page.locator('#samtale [data-testid="user"]').last.inner_text()
    )
    link = answer.locator(".cc-copy").get_attribute("value")
    assert link.startswith("?q=")
    page.context.close()

    # a link with a filter opens the chat with the question asked under that filter
    path = "?" + urlencode(
        {"q": "Hvordan arbejder kommunen med digital ledelse?", "kommune": "Viborg"}
    )
    page = new_page(browser, app, PHONE, path)
    linked = wait_answer(page, 0)
    metas = linked.locator(".cc-meta").all_inner_texts()
    assert metas and all("Kommune: Viborg" in m for m in metas)
    assert "Viborg" in page.locator("#kommuner").inner_text()
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_document_page_sets_the_filter(browser, app: LibraryApp, size: str) -> None:
    page = new_page(browser, app, SIZES[size])
    open_library(page)
    searcher = app.live.current()
    document = next(d for d in searcher.documents() if d.sections)
    page.locator("#dok-liste").get_by_text(document.source, exact=True).first.click()
    overview = page.locator("#dok-oversigt")
    overview.get_by_text(document.meta.title).first.wait_for()
    assert "Afsnit" in overview.inner_text()
    heading = document.sections[0].heading.split(" › ")[-1]
    assert heading in overview.inner_text()
    page.wait_for_timeout(500)  # Gradio fades a component while its event runs
    shot(page, f"ux-document-{size}")
    page.click("#dok-spoerg")
    page.locator("#spoergsmaal textarea").wait_for(state="visible")
    assert document.meta.title in page.locator("#dokumenter").inner_text()
    answer = ask(page, "Hvordan arbejder man med digital ledelse?")
    cards = answer.locator(".cc-card")
    assert cards.count() >= 1
    assert all(source_of(cards.nth(i)) == document.source for i in range(cards.count()))
    page.context.close()


def visible_english(page) -> list[str]:
    """Gradio's English defaults in the visible text and in buttons' accessible names."""
    text = page.evaluate(
        """() => document.body.innerText + '\\n' + [...document.querySelectorAll(
        '[aria-label], [title], [placeholder]')].filter(e => e.offsetParent !== null).map(e =>
        [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')]
        .join('\\n')).join('\\n')"""
    )
    lines = {line.strip() for line in text.splitlines()}
    # a phrase anywhere; a single word only as a whole label (documents may hold English)
    return [e for e in GRADIO_ENGLISH if e in lines or (" " in e and e in text)]


@pytest.mark.parametrize("size", SIZES)
def test_every_visible_text_is_danish(browser, app: LibraryApp, size: str) -> None:
    page = new_page(browser, app, SIZES[size])
    page.click("#eksport")  # nothing to export yet: a Gradio notice says so
    page.locator('[data-testid="toast-body"]').first.wait_for()
    page.wait_for_timeout(200)
    assert visible_english(page) == []
    ask(page, QUESTION)
    assert visible_english(page) == []
    open_library(page, logged_in=True)
    upload = page.locator("#upload")
    assert "Træk filer hertil" in upload.inner_text()
    shot(page, f"ux-library-upload-{size}")
    assert visible_english(page) == []
    page.context.close()


#: True once `selector` is shown at full opacity, itself and every block around it.
SETTLED = """selector => {
  let e = document.querySelector(selector);
  if (!e || document.querySelector('.pending')) return false;
  for (; e; e = e.parentElement) if (parseFloat(getComputedStyle(e).opacity) < 1) return false;
  return true;
}"""


def run_axe(page, shown: str) -> list[dict]:
    # Gradio dims a component while its update is pending and fades views in: measure
    # contrast on the page as a person reads it, once the view is settled.
    page.wait_for_function(SETTLED, arg=shown, timeout=15_000)
    result = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.map(v =>
        ({id: v.id, impact: v.impact, nodes: v.nodes.length,
          targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return result


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is missing: run `make axe` (needs npm)")
def test_axe_finds_no_serious_violations(browser, app: LibraryApp) -> None:
    page = new_page(browser, app, LAPTOP, axe=True)
    ask(page, QUESTION)
    views = {"chat med svar": run_axe(page, ".cc-card .cc-head")}
    page.locator(".cc-card").nth(1).get_by_text("Vis i kontekst").click()
    page.locator(".cc-card details[open] mark.cc-passage").first.wait_for()
    views["kontekst"] = run_axe(page, ".cc-card details[open] mark.cc-passage")
    open_library(page, logged_in=True)
    source = app.live.current().documents()[0].source
    page.locator("#dok-liste [role=gridcell]", has_text=source).first.click()
    page.locator("#dok-oversigt .cc-doc").wait_for()
    views["Dokumenter, logget ind, med dokumentside"] = run_axe(page, "#dok-oversigt .cc-doc")
    page.context.close()
    summary = {
        view: {
            "serious_or_critical": [v for v in found if v["impact"] in ("serious", "critical")],
            "other": [v for v in found if v["impact"] not in ("serious", "critical")],
        }
        for view, found in views.items()
    }
    (ARTIFACTS / "axe-summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    assert {
        v: s["serious_or_critical"] for v, s in summary.items() if s["serious_or_critical"]
    } == {}


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `predicate` (JS, element `e`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!({predicate}); }}"):
            return
    raise AssertionError(f"Tab never reached: {predicate}")


def test_keyboard_only(browser, app: LibraryApp) -> None:
    page = new_page(browser, app, LAPTOP)
    page.keyboard.type(QUESTION)  # the question box has the focus from the start
    before = answers(page).count()
    page.keyboard.press("Enter")
    wait_answer(page, before)
    tab_to(page, "e.closest('.cc-card') && e.matches('summary')")
    page.keyboard.press("Enter")
    page.locator(".cc-card details[open] mark.cc-passage").wait_for()
    tab_to(page, "e.matches('.cc-vote button[data-vote=up]')")
    page.keyboard.press("Enter")
    page.locator(".cc-vote-status", has_text="Tak").first.wait_for()
    tab_to(page, "e.id === 'eksport'", limit=200)
    page.keyboard.press("Enter")
    page.locator("#eksport-filer").get_by_text(".docx").first.wait_for()
    # the document page: to the tab, into its list of documents, open one, ask in it
    tab_to(page, "e.getAttribute('role') === 'tab' && e.textContent.includes('Dokumenter')", 200)
    page.keyboard.press("Enter")
    page.locator("#dok-vaelg").wait_for()
    tab_to(page, "e.closest('#dok-vaelg')", limit=60)
    title = app.live.current().documents()[0].meta.title
    page.keyboard.type(title[:12])
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#dok-oversigt .cc-doc").wait_for()
    tab_to(page, "e.id === 'dok-spoerg'", limit=60)
    page.keyboard.press("Enter")
    page.locator("#spoergsmaal textarea").wait_for(state="visible")  # back in the chat
    assert title in page.locator("#dokumenter").inner_text()  # with the document's filter
    page.context.close()


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    running = start_app(tmp_path_factory.mktemp("browser-ux-real"), model=DEFAULT_MODEL)
    yield running
    running.demo.close()


@pytest.mark.slow
def test_real_answer_fits_a_laptop_screen(browser, real_app: RunningApp) -> None:
    """The issue's case with the real model: a KL-report card whose title wraps; the short
    answer and two card headers must be inside the conversation's first screen."""
    page = new_page(browser, real_app, LAPTOP)
    answer = ask(page, QUESTION)
    shown = page.locator("#samtale").bounding_box()
    bottom = min(shown["y"] + shown["height"], LAPTOP["height"])
    parts = [answer.locator(".cc-head").nth(0), answer.locator(".cc-head").nth(1)]
    if answer.locator(".cc-short").count():
        parts.append(answer.locator(".cc-short"))
    for part in parts:
        box = part.bounding_box()
        assert box["y"] >= shown["y"] and box["y"] + box["height"] <= bottom, part
    shot(page, "ux-real-answer-laptop")
    page.context.close()
