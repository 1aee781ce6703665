"""The Dokumenter tab's "Tilføj fra webadresse" section (editors only).

Fetching runs in the Gradio handler (a few seconds at most: timeouts and size
limits in ingest/web.py); the index is then updated by the tab's background
Builder, so the chat keeps answering. "Opdatér fra kilden" re-fetches one page
or all pages added by address and re-indexes only those whose text changed.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from base.errors import CasechatError
from casechat.library import Library
from casechat.library.builder import Builder
from casechat.library.guard import handler
from casechat.library.views import message, progress
from casechat.library.web import add_url, refresh, web_sources

PRIVATE = {"api_visibility": "private"}
ALL = "__alle__"


def web_section(
    library: Library,
    builder: Builder,
    login,
    status,
    notice,
    editor_of: Callable[[str, gr.Request], str],
) -> None:
    """Lay out and wire the section (call inside the editors' column of the tab).

    `editor_of(csrf, request)` names the logged-in editor from the session cookie and the
    CSRF token (casechat/library/sessions.py), or raises AccessError."""

    def choices() -> list[tuple[str, str]]:
        pages = [(f"{url} ({name})", name) for name, url in web_sources(library).items()]
        return [("Alle websider", ALL), *pages] if pages else []

    with gr.Accordion("Tilføj fra webadresse", open=False, elem_id="web-afsnit"):
        with gr.Row():
            address = gr.Textbox(
                label="Webadresse", placeholder="https://www.kl.dk/…", elem_id="web-adresse",
                scale=4,
            )  # fmt: skip
            fetch_button = gr.Button("Hent og tilføj", variant="primary", elem_id="web-hent")
        with gr.Row():
            pick = gr.Dropdown(label="Webside", choices=choices(), elem_id="web-valg", scale=4)
            update = gr.Button("Opdatér fra kilden", elem_id="web-opdater")
        gr.Markdown(
            "Siden hentes og gemmes som en kopi med sin adresse; kortene i chatten henviser "
            "til adressen. »Opdatér fra kilden« henter siden igen og opdaterer kun indekset, "
            "hvis teksten er ændret.",
            elem_classes=["cc-hint"],
        )

    @handler(4)
    def on_fetch(url, session, request: gr.Request):
        editor = editor_of(session, request)
        if not (url or "").strip():
            raise CasechatError("Skriv adressen på siden, fx https://www.kl.dk/…")
        change = add_url(library, url, editor)
        builder.request([change.name])
        text = f"Hentet: {url.strip()} er gemt som {change.name}. Indekset opdateres i baggrunden."
        return "", gr.Dropdown(choices=choices()), progress(builder.state()), message(text)

    @handler(2)
    def on_update(chosen, session, request: gr.Request):
        editor = editor_of(session, request)
        if not chosen:
            raise CasechatError("Vælg den webside, der skal opdateres (eller »Alle websider«).")
        names = list(web_sources(library)) if chosen == ALL else [chosen]
        lines, changed = [], []
        for name in names:
            try:
                result = refresh(library, name, editor)
            except CasechatError as exc:
                lines.append(f"{name}: {exc}")
                continue
            lines.append(f"{name}: {result.reason}")
            if result.change:
                changed.append(result.change.name)
        if changed:
            builder.request(changed)
            lines.append("Indekset opdateres i baggrunden for de ændrede sider.")
        return progress(builder.state()), message("\n".join(lines))

    fetch_button.click(on_fetch, [address, login], [address, pick, status, notice], **PRIVATE)
    update.click(on_update, [pick, login], [status, notice], **PRIVATE)
