"""The web chat: a local Gradio app that answers Danish questions with cited passages.

    python chat_app.py [--host 127.0.0.1] [--port 7860]     (or: casechat chat)

At start the model and the index are loaded once; the index is first brought in
line with the corpus folder (an incremental build that does nothing when no
text changed). The app wires `casechat.answer` (search, follow-ups, errors) and
`casechat.chat_view` (HTML) into Gradio; it never shares itself publicly and
sends no analytics.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable

# Gradio reads this when it starts: no telemetry, no version check over the network.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402
from rich.console import Console  # noqa: E402

from answer.search import Searcher  # noqa: E402
from base.errors import CasechatError  # noqa: E402
from base.settings import ServerSettings, Settings  # noqa: E402
from casechat import startup  # noqa: E402
from casechat.answer import DEFAULT_K, MAX_K, Responder  # noqa: E402
from casechat.answer_link import from_request  # noqa: E402
from casechat.card_tools import CARD_JS, SIMILAR_BOX, SIMILAR_BUTTON  # noqa: E402
from casechat.card_tools import CSS as CARD_CSS  # noqa: E402
from casechat.cards import citation_label  # noqa: E402
from casechat.chat_view import (  # noqa: E402
    CONTEXT_EMPTY,
    CONTEXT_MISSING,
    CSS,
    EXAMPLES,
    GRADIO_DANISH,
    PAGE_JS,
    SCROLL_TO_PASSAGE_JS,
    SCROLL_TO_QUESTION_JS,
    render_context,
    render_question,
)
from casechat.document_page import CSS as DOCUMENT_CSS  # noqa: E402
from casechat.export import export_files, turn_from  # noqa: E402
from casechat.feedback_view import page_js  # noqa: E402
from casechat.layout import A11Y_JS, CHAT_HEIGHT, LAYOUT_CSS, chain_js  # noqa: E402
from casechat.library_tab import CSS as LIBRARY_CSS  # noqa: E402
from casechat.library_tab import library_tab  # noqa: E402
from casechat.live_index import FixedIndex, LiveIndex, SearcherSource  # noqa: E402
from casechat.ops import configure_logging  # noqa: E402
from casechat.security import trust_proxies  # noqa: E402
from casechat.server import Extras  # noqa: E402
from casechat.similar import similar_turn  # noqa: E402
from index.encoder import Embedder  # noqa: E402

# System fonts only: the default theme would fetch web fonts from Google.
THEME = gr.themes.Default(
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "Consolas", "monospace"],
)


def prepare(settings: Settings, embedder: Embedder | None = None) -> LiveIndex:
    """Load the model, bring the index up to date and open it (casechat/startup.py)."""
    return startup.prepare(settings, embedder)


def build_app(source: SearcherSource | Searcher | Settings, concurrency: int = 2) -> gr.Blocks:
    """The chat UI and its `/ask` API for one index: a LiveIndex, a ready Searcher, or
    Settings to prepare one."""
    if isinstance(source, Settings):
        source = prepare(source)
    elif isinstance(source, Searcher):
        source = FixedIndex(source)
    responder = Responder(source)

    def shown(answer):
        """The picker and context panel after an answer."""
        choices = [
            (citation_label(n, h), str(h.chunk.chunk_id))
            for n, h in enumerate(answer.hits, start=1)
        ]
        picker = gr.Dropdown(choices=choices, value=choices[0][1] if choices else None)
        return picker, CONTEXT_EMPTY if choices else CONTEXT_MISSING

    def respond(question, history, k, munis, docs, previous, turns):
        history = list(history or [])
        answer = responder.answer(question, k, munis, docs, previous)
        if question and question.strip():  # no empty bubble for an empty question
            history.append({"role": "user", "content": render_question(question)})
        history.append({"role": "assistant", "content": answer.html})
        if answer.result is not None:  # kept as data for "Eksportér"
            turns = [*(turns or []), turn_from(question, answer.result)]
        return "", history, answer.searched or previous, *shown(answer), turns

    def similar(chunk_id, history, k, munis, docs, previous, turns):
        """»Find lignende passager« on a card: a new turn (casechat/similar.py)."""
        history, answer, kept = similar_turn(responder.source, chunk_id, history, k, munis, docs)
        return "", history, previous, *shown(answer), [*(turns or []), kept]

    def from_link(history, k, munis, docs, previous, turns, request: gr.Request):
        """A page opened as `/?q=…` (casechat/answer_link.py): that question, asked."""
        linked = from_request(request, responder.municipalities, responder.documents)
        if linked is None:
            return tuple([gr.skip()] * 9)
        k, munis, docs = linked.k or k, linked.municipalities, linked.documents
        return (*respond(linked.question, history, k, munis, docs, previous, turns), k, munis, docs)

    def export_conversation(turns):
        """The session's conversation as .docx and .md files to download."""
        if not turns:
            gr.Info("Stil først et spørgsmål; så kan samtalen eksporteres.")
            return gr.File(value=None, visible=False)
        try:
            paths = export_files(turns)
        except Exception:  # noqa: BLE001 - one bad turn must not break the chat's export
            logging.getLogger("casechat").exception("Eksporten mislykkedes")
            gr.Warning("Samtalen kunne ikke eksporteres. Prøv igen om et øjeblik.")
            return gr.File(value=None, visible=False)
        return gr.File(value=[str(p) for p in paths], visible=True)

    def show_context(choice):
        searcher = responder.source.current()
        try:
            chunk = searcher.chunk(int(choice))
        except (TypeError, ValueError):
            return CONTEXT_MISSING
        document = searcher.document(chunk.source) if chunk else None
        if chunk is None or document is None:
            return CONTEXT_MISSING
        return render_context(document, chunk)

    def ask(
        question: str,
        k: int = DEFAULT_K,
        municipalities: list[str] | None = None,
        documents: list[str] | None = None,
    ) -> str:
        """Answer one question (no follow-ups) as HTML: citation cards or a Danish message.

        `municipalities` are names as in the filter; `documents` are source file names.
        """
        return responder.answer(question, k, municipalities, documents).html

    doc_choices = [(title, source) for source, title in responder.documents.items()]
    # Gradio's upload and export files are deleted after an hour (checked hourly).
    with gr.Blocks(
        title="Casechat – spørg casene", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as demo:
        gr.Markdown(
            "# Spørg casene om digital ledelse i kommunerne\n"
            "Svarene er uddrag af casene med kildehenvisning – chatten skriver ikke selv tekst; "
            "en kort opfølgning som »og i Odense?« bygger videre på det forrige spørgsmål.",
            elem_id="kopi",
        )
        tabs = gr.Tabs(elem_id="faner")
        tabs.__enter__()
        # Two tabs: the chat, then the document library; the chat's tab closes below.
        chat_tab = contextlib.ExitStack()
        chat_tab.enter_context(gr.Tab("Chat", id="chat", elem_id="fane-chat"))
        previous = gr.State(None)
        turns = gr.State([])  # this session's questions and answers (casechat/export.py)
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="Samtale",
                    height=CHAT_HEIGHT,
                    autoscroll=False,  # SCROLL_TO_QUESTION_JS shows the start of each answer
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=[],
                    placeholder="Stil et spørgsmål om casene – svaret er de passager, "
                    "der passer bedst.",
                    elem_id="samtale",
                )
                with gr.Row():
                    box = gr.Textbox(
                        show_label=False,
                        placeholder="Skriv dit spørgsmål her …",
                        scale=5,
                        lines=1,
                        max_lines=4,
                        elem_id="spoergsmaal",
                        autofocus=True,
                    )
                    send = gr.Button("Spørg", variant="primary", scale=1, elem_id="spoerg")
                with gr.Row():
                    picker = gr.Dropdown(
                        label="Kilde i seneste svar",
                        choices=[],
                        scale=4,
                        elem_id="kilde",
                    )
                    show = gr.Button("Vis i kontekst", scale=1, elem_id="vis-kontekst")
                context = gr.HTML(CONTEXT_MISSING, elem_id="kontekst")
            with (
                gr.Column(scale=1, min_width=260),
                gr.Accordion("Filtre og værktøjer", open=True, elem_id="sidepanel"),
            ):
                k = gr.Slider(
                    1, MAX_K, value=DEFAULT_K, step=1, label="Antal passager", elem_id="antal"
                )
                munis = gr.Dropdown(
                    choices=responder.municipalities,
                    multiselect=True,
                    label="Kommuner",
                    info="Kun passager om disse kommuner (tomt = alle).",
                    elem_id="kommuner",
                )
                docs = gr.Dropdown(
                    choices=doc_choices,
                    multiselect=True,
                    label="Dokumenter",
                    info="Kun passager fra disse dokumenter (tomt = alle).",
                    elem_id="dokumenter",
                )
                gr.Markdown("**Eksempler på spørgsmål**")
                example_buttons = [gr.Button(q, size="sm") for q in EXAMPLES]
                clear = gr.Button("Ryd samtalen", variant="secondary", size="sm", elem_id="ryd")
                export = gr.Button("Eksportér", variant="secondary", size="sm", elem_id="eksport")
                files = gr.File(
                    label="Samtalen som Word og Markdown",
                    file_count="multiple",
                    interactive=False,
                    visible=False,
                    elem_id="eksport-filer",
                )

        chat_tab.close()
        library_settings = getattr(source, "settings", None)  # a LiveIndex: the library
        if library_settings is not None:
            with gr.Tab("Dokumenter", id="dokumenter", elem_id="fane-dokumenter"):
                demo.casechat_builder = library_tab(library_settings, responder, munis, docs, tabs)
            demo.casechat_upload_limit = library_settings.max_upload_bytes
        tabs.__exit__(None, None, None)
        # »Find lignende passager« on a card fills this hidden box and presses its button.
        similar_box = gr.Textbox(elem_id=SIMILAR_BOX, elem_classes="cc-hidden-tool")
        similar_button = gr.Button(elem_id=SIMILAR_BUTTON, elem_classes="cc-hidden-tool")
        inputs = [box, chat, k, munis, docs, previous, turns]
        outputs = [box, chat, previous, picker, context, turns]
        private = {"api_visibility": "private"}

        def on_ask(trigger):
            trigger(respond, inputs, outputs, **private).then(
                None, js=SCROLL_TO_QUESTION_JS, **private
            )

        on_ask(box.submit)
        on_ask(send.click)
        similar_in = [similar_box, chat, k, munis, docs, previous, turns]
        similar_out = [similar_box, chat, previous, picker, context, turns]
        similar_button.click(similar, similar_in, similar_out, **private).then(
            None, js=SCROLL_TO_QUESTION_JS, **private
        )
        linked_in = [chat, k, munis, docs, previous, turns]
        demo.load(from_link, linked_in, [*outputs, k, munis, docs], **private).then(
            None, js=SCROLL_TO_QUESTION_JS, **private
        )
        for button, question in zip(example_buttons, EXAMPLES, strict=True):
            on_ask(button.click(lambda q=question: q, None, box, queue=False, **private).then)
        show.click(show_context, picker, context, **private).then(
            None, js=SCROLL_TO_PASSAGE_JS, **private
        )

        def forget():
            hidden = gr.File(value=None, visible=False)
            return None, gr.Dropdown(choices=[], value=None), CONTEXT_MISSING, [], hidden

        reset = [previous, picker, context, turns, files]
        clear.click(lambda: [], None, chat, queue=False, **private).then(
            forget, None, reset, queue=False, **private
        )
        chat.clear(forget, None, reset, queue=False, **private)  # the bin icon on the chat
        gr.api(ask, api_name="ask")
        export.click(export_conversation, turns, files, **private)
    demo.queue(default_concurrency_limit=concurrency)
    demo.casechat_extras = Extras.for_source(responder.source)  # /api and /mcp, see serve()
    if library_settings is not None:  # /readyz tells the library's build state
        demo.casechat_extras.build_state = demo.casechat_builder.state
    return demo


def serve(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> str:
    """Start the server on host:port (never shared, no error details in the UI); its URL.

    The chat's HTTP API (/api, docs at /api/docs) and MCP server (/mcp) are served with it."""
    extras: Extras | None = getattr(demo, "casechat_extras", None)
    if extras:
        trust_proxies(extras.server)  # X-Forwarded-For only from the proxies named
    try:
        _, url, _ = demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            show_error=False,
            prevent_thread_lock=not block,
            inbrowser=False,
            quiet=True,
            theme=THEME,
            css=CSS + LIBRARY_CSS + CARD_CSS + DOCUMENT_CSS + LAYOUT_CSS,
            max_file_size=getattr(demo, "casechat_upload_limit", None),
            footer_links=[],
            run_history=False,
            ssr_mode=False,
            mcp_server=False,
            pwa=False,
            enable_monitoring=False,
            js=page_js(chain_js(PAGE_JS, CARD_JS, A11Y_JS)),
            app_kwargs=extras.app_kwargs(host) if extras else None,
            root_path=extras.server.root_path or None if extras else None,
            i18n=gr.I18n(en=GRADIO_DANISH, da=GRADIO_DANISH),
        )
    except OSError as exc:
        raise CasechatError(
            f"Webchatten kan ikke lytte på {host}:{port} ({exc}). "
            "Vælg en anden port med --port, eller stop det program, der bruger porten."
        ) from exc
    return url


def _log_to_terminal() -> None:
    """Answer times and unexpected errors of the chat go to stderr; other libraries stay quiet."""
    configure_logging(ServerSettings.from_env())  # JSON lines with CASECHAT_JSON_LOGS


def launch(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 7860,
    embedder: Callable[[], Embedder] | None = None,
    prepared: Callable[[], LiveIndex] | None = None,
) -> None:
    """Prepare the index, then serve the chat until Ctrl+C (called by `casechat chat`).

    `embedder` returns the model when it is already loading (cli.py preloads it);
    `prepared` returns the index when it is already being prepared (cli.py, while
    Gradio is imported: casechat/startup.py)."""
    _log_to_terminal()
    live = prepared() if prepared else prepare(settings, embedder() if embedder else None)
    demo = build_app(live)
    url = serve(demo, host, port, block=False)
    console = Console(stderr=True)
    console.print(f"Webchatten kører på [bold]{url}[/] (Ctrl+C stopper)")
    console.print(f"API: {url}api/docs · MCP: {url}mcp")
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("Stopper webchatten …")
    finally:
        demo.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start casechats webchat.")
    parser.add_argument("--host", default="127.0.0.1", help="Adresse at lytte på.")
    parser.add_argument("--port", type=int, default=7860, help="Port.")
    args = parser.parse_args(argv)
    try:
        launch(Settings.from_env(), host=args.host, port=args.port)
    except CasechatError as exc:
        print(f"Fejl: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
