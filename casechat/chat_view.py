"""HTML for the web chat: citation cards, plain messages and the context view.

Every piece of text that comes from a document or a question goes through
`html.escape` here before it meets any markup; the only tags in the output are
the ones written in this module. The chat shows this HTML without Markdown.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from index.analyze import words
from index.fusion import Fusion, strength
from index.search import Hit
from ingest.document import Chunk, Document

#: Characters of surrounding document text shown on each side of a passage in context.
CONTEXT_CHARS = 1500

_TOKEN = re.compile(r"\w+", re.UNICODE)
_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def question_terms(question: str) -> frozenset[str]:
    """The question's content words as the keyword index sees them (stemmed, æøå-folded)."""
    return frozenset(words(question))


def highlight(text: str, terms: Iterable[str]) -> str:
    """Escaped `text` with each whole word whose index term is in `terms` wrapped in <mark>.

    Both sides go through `index.analyze.words`, so "lederne" matches "ledernes"
    and "kobenhavn" matches "København"; stop words and one-character tokens
    ("1", list numbers) never match.
    """
    terms = frozenset(terms)
    out: list[str] = []
    cursor = 0
    for match in _TOKEN.finditer(text):
        token_terms = words(match.group()) if len(match.group()) > 1 else []
        if token_terms and terms.intersection(token_terms):
            out.append(_e(text[cursor : match.start()]))
            out.append(f"<mark>{_e(match.group())}</mark>")
            cursor = match.end()
    out.append(_e(text[cursor:]))
    return "".join(out)


def danish_date(iso: str | None) -> str:
    """'2017-11-07' -> '7. november 2017'; anything else is shown as written."""
    if not iso:
        return "uden dato"
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        return iso
    year, month, day = found.groups()
    return f"{int(day)}. {_MONTHS[int(month) - 1]} {year}"


_LEVELS = {"high": "høj", "mid": "middel", "low": "lav"}


def relevance(hit: Hit, fusion: Fusion | None) -> tuple[str, str]:
    """('høj' | 'middel' | 'lav', explanation for the tooltip) for one passage.

    The level comes from `index.fusion.strength`: with convex fusion (the
    default) the fused score as a share of its maximum; with reciprocal rank
    fusion the effective rank; without fusion the rank in the one list. The
    lists are scaled within each question, so this says how a passage stands
    against the other candidates, not whether the cases answer the question.
    """
    found = strength(hit.score, hit.rank, fusion)
    if found.share is not None:
        basis = f"samlet score {found.share:.2f} af 1 (betydning og nøgleord vægtet sammen)"
        return _LEVELS[found.level], basis.replace(".", ",")
    if fusion is None:
        basis = f"plads {hit.rank} i søgningen"
    else:
        basis = f"gennemsnitlig placering ≈ {found.rank:.0f} på tværs af betydnings- og ordsøgning"
    return _LEVELS[found.level], basis


def _meta_line(chunk: Chunk, document: Document) -> str:
    munis = ", ".join(chunk.municipalities or document.meta.municipalities) or "ikke angivet"
    parts = [f"<span><b>Kommune:</b> {_e(munis)}</span>"]
    if chunk.section:
        parts.append(f"<span><b>Afsnit:</b> {_e(chunk.section)}</span>")
    parts.append(f"<span><b>Dato:</b> {_e(danish_date(document.meta.date))}</span>")
    parts.append(f"<span><b>Kilde:</b> {_e(chunk.source)}</span>")
    return '<div class="cc-meta">' + " · ".join(parts) + "</div>"


def render_card(hit: Hit, number: int, terms: Iterable[str], fusion: Fusion | None) -> str:
    """One numbered citation card: title, relevance, metadata and the highlighted passage."""
    chunk, document = hit.chunk, hit.document
    label, basis = relevance(hit, fusion)
    level = strength(hit.score, hit.rank, fusion).level
    return (
        f'<div class="cc-card" data-source="{_e(chunk.source)}" data-chunk="{chunk.chunk_id}">'
        f'<div class="cc-head"><span class="cc-num">[{number}]</span> '
        f'<span class="cc-title">{_e(document.meta.title)}</span> '
        f'<span class="cc-rel cc-rel-{level}" title="{_e(basis)}">Relevans: {label}</span>'
        "</div>"
        f"{_meta_line(chunk, document)}"
        f'<div class="cc-text">{highlight(chunk.text, terms)}</div>'
        "</div>"
    )


def render_answer(
    hits: list[Hit], terms: Iterable[str], fusion: Fusion | None, footer: str = ""
) -> str:
    """The answer to one question: a lead-in, the citation cards, and a small footer."""
    terms = frozenset(terms)
    count = len(hits)
    lead = (
        "Her er den passage i casene, der passer bedst:"
        if count == 1
        else f"Her er de {count} passager i casene, der passer bedst:"
    )
    cards = "".join(render_card(h, n, terms, fusion) for n, h in enumerate(hits, start=1))
    return f'<div class="cc-answer"><p class="cc-lead">{lead}</p>{cards}{footer}</div>'


def render_message(text: str, hint: str = "", kind: str = "info", footer: str = "") -> str:
    """A plain chat message (no passages): escaped text, an optional hint, a footer."""
    extra = f'<p class="cc-hint">{_e(hint)}</p>' if hint else ""
    return f'<div class="cc-answer cc-{_e(kind)}"><p>{_e(text)}</p>{extra}{footer}</div>'


def render_footer(searched: str, filters: list[str], seconds: float, note: str = "") -> str:
    """What was searched (after cleaning / follow-up), with which filters, and how fast."""
    bits = [f"Søgt på »{_e(searched)}«"]
    if filters:
        bits.append("filtre: " + _e(", ".join(filters)))
    bits.append(f"søgetid {seconds * 1000:.0f} ms")
    notes = f'<p class="cc-note">{_e(note)}</p>' if note else ""
    return f'{notes}<p class="cc-footer">{" · ".join(bits)}</p>'


def render_question(question: str) -> str:
    """The person's own message in the chat, shown exactly as typed."""
    return f'<div class="cc-question">{_e(question)}</div>'


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
    return (
        '<div class="cc-context">'
        f'<div class="cc-context-head"><b>{_e(document.meta.title)}</b>{_e(where)}'
        f'<br><span class="cc-meta">Kilde: {_e(chunk.source)}, tegn {chunk.start}–{chunk.end}'
        "</span></div>"
        f'<div class="cc-context-text">{_e(before)}'
        f'<mark class="cc-passage">{_e(text[chunk.start : chunk.end])}</mark>'
        f"{_e(after)}</div></div>"
    )


def citation_label(number: int, hit: Hit) -> str:
    """How a citation is named in the "Vis i kontekst" picker."""
    section = hit.chunk.section.split(" › ")[-1] if hit.chunk.section else ""
    title = hit.document.meta.title
    short = title if len(title) <= 60 else title[:57].rstrip() + "…"
    return f"[{number}] {short}" + (f" – {section}" if section else "")


#: CSS for the classes above (passed to Gradio's launch).
CSS = """
.cc-answer p { margin: 0 0 .5em 0; }
.cc-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: .6em .8em; margin: .6em 0; background: var(--background-fill-primary); }
.cc-head { display: flex; flex-wrap: wrap; gap: .4em; align-items: baseline; }
.cc-num { font-weight: 700; color: var(--color-accent); }
.cc-title { font-weight: 600; flex: 1 1 auto; }
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

#: Gradio's own labels that appear in this app. Gradio ships no Danish, and it picks
#: English for a Danish browser, so the English entries are overridden too.
GRADIO_DANISH = {
    "chatbot.clear": "Ryd samtalen",
    "common.clear": "Ryd",
    "common.remove": "Fjern",
    "common.error": "Fejl",
    "common.loading": "Indlæser",
    "common.complete": "Færdig",
    "common.progress": "Fremskridt",
}

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
