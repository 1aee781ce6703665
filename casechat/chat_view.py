"""HTML for the web chat: plain messages, the footer, the context view, CSS and page JS.

The citation cards are in casechat/cards.py. Every piece of text that comes from
a document or a question is escaped (casechat/html_text.py) before it meets any
markup. The chat shows this HTML without Markdown.
"""

from __future__ import annotations

from casechat.answer_link import render_link_button
from casechat.gradio_danish import GRADIO_DANISH  # noqa: F401  (chat_app imports it here)
from casechat.html_text import cited_source, escape, pages_label
from ingest.document import Chunk, Document

#: Characters of surrounding document text shown on each side of a passage in context.
CONTEXT_CHARS = 1500


def render_message(text: str, hint: str = "", kind: str = "info", footer: str = "") -> str:
    """A plain chat message (no passages): escaped text, an optional hint, a footer."""
    extra = f'<p class="cc-hint">{escape(hint)}</p>' if hint else ""
    return f'<div class="cc-answer cc-{escape(kind)}"><p>{escape(text)}</p>{extra}{footer}</div>'


def render_footer(
    searched: str, filters: list[str], seconds: float, note: str = "", link: str = ""
) -> str:
    """What was searched (after cleaning / follow-up), with which filters, and how fast;
    with `link` (casechat/answer_link.py) also »Kopiér link«."""
    bits = [f"Søgt på »{escape(searched)}«"]
    if filters:
        bits.append("filtre: " + escape(", ".join(filters)))
    bits.append(f"søgetid {seconds * 1000:.0f} ms")
    notes = f'<p class="cc-note">{escape(note)}</p>' if note else ""
    share = render_link_button(link) if link else ""
    return f'{notes}<p class="cc-footer">{" · ".join(bits)}</p>{share}'


def render_question(question: str) -> str:
    """The person's own message in the chat, shown exactly as typed."""
    return f'<div class="cc-question">{escape(question)}</div>'


def _cut(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole words so context does not begin mid-word."""
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    if end < len(text):
        space = text.rfind(" ", end - 40, end)
        end = space if space > 0 else end
    return start, end


def render_context(document: Document, chunk: Chunk, window: int = CONTEXT_CHARS) -> str:
    """The passage inside its surrounding document text, the passage itself marked."""
    text = document.text
    lo, hi = _cut(text, max(0, chunk.start - window), min(len(text), chunk.end + window))
    before = ("… " if lo > 0 else "") + text[lo : chunk.start]
    after = text[chunk.end : hi] + (" …" if hi < len(text) else "")
    where = f" › {chunk.section}" if chunk.section else ""
    pages = pages_label(chunk)
    place = f"{pages}, tegn" if pages else "tegn"
    link = escape(cited_source(chunk, document)[0])
    name = escape(document.meta.url or chunk.source)
    return (
        '<div class="cc-context">'
        f'<div class="cc-context-head"><strong>{escape(document.meta.title)}</strong>'
        f"{escape(where)}"
        '<br><span class="cc-context-meta">Kilde: '
        f'<a class="cc-source" href="{link}" target="_blank" rel="noopener">'
        f"{name}</a>, {place} {chunk.start}–{chunk.end}"
        "</span></div>"
        f'<div class="cc-context-text">{escape(before)}'
        f'<mark class="cc-passage">{escape(text[chunk.start : chunk.end])}</mark>'
        f"{escape(after)}</div></div>"
    )


#: CSS for the classes above (passed to Gradio's launch).
CSS = """
.cc-answer p { margin: 0 0 .5em 0; }
.cc-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .6em .8em; margin: .6em 0; background: var(--background-fill-primary); }
.cc-head { display: flex; flex-wrap: wrap; gap: .4em; align-items: baseline; }
.cc-num { font-weight: 700; color: var(--color-accent); }
.cc-title { font-weight: 600; flex: 1 1 12em; min-width: 0; }
.cc-rel { font-size: .8em; padding: .1em .5em; border-radius: 999px; white-space: nowrap; }
.cc-rel-high { background: #d7f0dd; color: #14532d; }
.cc-rel-mid { background: #fdf0c8; color: #713f12; }
.cc-rel-low { background: #eceff3; color: #374151; }
.cc-meta { font-size: .8em; color: var(--body-text-color-subdued); margin: .2em 0 .4em 0; }
.cc-text, .cc-context-text { white-space: pre-wrap; line-height: 1.5; }
.cc-text mark { background: #fff3a3; color: inherit; padding: 0 .1em; border-radius: 2px; }
.cc-context { max-height: 480px; overflow-y: auto; padding: .6em .8em;
  border: 1px solid var(--border-color-primary); border-radius: 8px; }
.cc-context-head { margin-bottom: .5em; }
mark.cc-passage { display: block; background: #fff7cc; color: inherit; margin: .4em 0;
  padding: .3em .6em; border-left: 4px solid #e0b400; border-radius: 2px; }
.cc-hint, .cc-note, .cc-footer { font-size: .85em; color: var(--body-text-color-subdued); }
.cc-question { white-space: pre-wrap; }
.cc-best { background: #e6f0ff; border-radius: 2px; }
.cc-short { border-left: 4px solid var(--color-accent); padding: .4em .7em; margin: .4em 0 .7em 0;
  background: var(--background-fill-secondary); }
.cc-quote { font-style: italic; }
.cc-cite { font-weight: 600; color: var(--color-accent); }
.cc-nearest { padding: .4em .7em; border-radius: 6px; background: #fdf0c8; color: #713f12; }
"""

#: Example questions offered as buttons; each is answerable from the corpus.
EXAMPLES = (
    "Hvordan har Odense udviklet ledernes digitale kompetencer?",
    "Hvad fik Hernings styregruppe ud af masterclassen i digital transformation?",
    "Hvorfor er lederskab nøglen til digitalisering i Viborg?",
    "Hvordan blev Ringkøbing-Skjerns nye it- og digitaliseringsstrategi til?",
)
CONTEXT_EMPTY = (
    "<p class='cc-hint'>Vælg en kilde fra det seneste svar og tryk »Vis i kontekst«.</p>"
)
CONTEXT_MISSING = (
    "<p class='cc-hint'>Stil først et spørgsmål; så kan du se kilderne i kontekst.</p>"
)

#: On page load: tell browsers and screen readers the page is Danish.
PAGE_JS = "() => { document.documentElement.lang = 'da'; }"

#: After "Vis i kontekst": scroll the context panel so the marked passage is in view.
SCROLL_TO_PASSAGE_JS = """() => { setTimeout(() => {
  const box = document.querySelector('#kontekst .cc-context');
  const mark = document.querySelector('#kontekst mark.cc-passage');
  if (!box || !mark) return;
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - 60;
}, 120); }"""

#: After an answer: scroll the conversation so the new question is at the top and the
#: first citation is in view (Gradio's autoscroll would show the end of the last card).
SCROLL_TO_QUESTION_JS = """() => { setTimeout(() => {
  const wrap = document.querySelector('#samtale .bubble-wrap');
  const rows = document.querySelectorAll('#samtale .message-row.user-row');
  const last = rows[rows.length - 1];
  if (!wrap || !last) return;
  wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
}, 120); }"""
