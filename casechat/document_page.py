"""The document page of the Dokumenter tab: a document's overview, opened from the list.

Clicking a row of the list (or pressing Enter on it) shows the document's title,
its metadata, its sections as the reader found them (the outline, with pages
for a paged document and the number of passages in each), and the button
»Spørg kun i dette dokument«, which sets the chat's document filter to it and
switches to the chat.
"""

from __future__ import annotations

from collections import Counter

import gradio as gr

from casechat.answer import Responder
from casechat.html_text import danish_date, escape
from ingest.document import Document

PRIVATE = {"api_visibility": "private"}
#: The column of the document list that holds the source file (casechat/library/catalog.py).
SOURCE_COLUMN = 1

CSS = """
#dok-side { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .8em; }
.cc-doc h3 { margin: 0 0 .3em 0; }
.cc-doc dl { display: grid; grid-template-columns: max-content 1fr; gap: .15em .8em;
  margin: .3em 0 .6em 0; }
.cc-doc dt { font-weight: 600; }
.cc-doc dd { margin: 0; }
.cc-outline { margin: .2em 0; padding-left: 1.2em; }
.cc-outline li { margin: .1em 0; }
.cc-outline .cc-sub { margin-left: 1.2em; }
.cc-outline-meta { color: var(--body-text-color-subdued); font-size: .85em; }
"""


def render_document(document: Document, passages: Counter[str]) -> str:
    """A document's overview: title, metadata and the outline of its sections."""
    meta = document.meta
    facts = [
        ("Fil", document.source),
        ("Kommuner", ", ".join(meta.municipalities) or "ikke angivet"),
        ("Dato", danish_date(meta.date)),
        ("Dokumenttype", meta.kind or "ikke angivet"),
        ("Format", document.format.upper()),
    ]
    if document.page_count:
        facts.append(("Sider", str(document.page_count)))
    facts.append(("Passager", str(sum(passages.values()))))
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    items = []
    for section in document.sections:
        parts = section.heading.split(" › ")
        page = document.page_at(section.start) if document.pages else None
        bits = [f"s. {page}"] if page else []
        count = passages.get(section.heading, 0)
        bits.append(f"{count} passage" + ("" if count == 1 else "r"))
        depth = ' class="cc-sub"' if len(parts) > 1 else ""
        items.append(
            f"<li{depth}>{escape(parts[-1].strip() or 'Tekst før første overskrift')} "
            f'<span class="cc-outline-meta">({escape(", ".join(bits))})</span></li>'
        )
    outline = (
        f'<h4>Afsnit</h4><ol class="cc-outline">{"".join(items)}</ol>'
        if items
        else "<p>Dokumentet har ingen overskrifter, som læseren kunne finde.</p>"
    )
    return f'<div class="cc-doc"><h3>{escape(meta.title)}</h3><dl>{rows}</dl>{outline}</div>'


def document_page(
    responder: Responder, table: gr.Dataframe, docs: gr.Dropdown, tabs: gr.Tabs
) -> None:
    """The overview below the document list (call inside the Dokumenter tab)."""
    chosen = gr.State(None)

    def titles():
        return [(title, source) for source, title in responder.documents.items()]

    picker = gr.Dropdown(
        label="Åbn et dokument",
        info="Eller klik på dokumentet i listen.",
        choices=titles(),
        elem_id="dok-vaelg",
    )
    with gr.Column(visible=False, elem_id="dok-side") as page:
        overview = gr.HTML("", elem_id="dok-oversigt")
        with gr.Row():
            ask_here = gr.Button(
                "Spørg kun i dette dokument", variant="primary", elem_id="dok-spoerg"
            )
            close = gr.Button("Luk dokumentet", elem_id="dok-luk")

    def open_document(event: gr.SelectData):
        row = event.row_value or []
        return open_source(str(row[SOURCE_COLUMN]) if len(row) > SOURCE_COLUMN else "")

    def open_source(source):
        searcher = responder.source.current()
        document = searcher.document(source) if source else None
        if document is None:
            text = (
                "<p>Dokumentet er ikke i indekset endnu (se kolonnen Status). "
                "Prøv igen, når indekset er opdateret.</p>"
            )
            return None, text, gr.Column(visible=bool(source))
        passages = Counter(
            c.section for c in searcher.snapshot.chunks.values() if c.source == source
        )
        return source, render_document(document, passages), gr.Column(visible=True)

    def ask_in(source):
        if not source:
            return gr.skip(), gr.skip()
        return gr.Dropdown(value=[source]), gr.Tabs(selected="chat")

    shown = [chosen, overview, page]
    table.select(open_document, None, shown, **PRIVATE).then(
        None, js="() => document.querySelector('#dok-side')?.scrollIntoView()", **PRIVATE
    )
    # the keyboard's way in (a row of the list cannot be opened with Enter)
    picker.input(open_source, picker, shown, **PRIVATE)
    picker.focus(lambda: gr.Dropdown(choices=titles()), None, picker, **PRIVATE)
    ask_here.click(ask_in, chosen, [docs, tabs], **PRIVATE).then(
        None,
        js="() => setTimeout(() => document.querySelector('#spoergsmaal textarea')?.focus(), 200)",
        **PRIVATE,
    )
    close.click(lambda: (None, gr.Column(visible=False)), None, [chosen, page], **PRIVATE)
