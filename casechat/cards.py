"""The citation cards of an answer, the short answer above them, and their labels.

A card is titled with the case it is about (the municipality whose case a KL
report passage belongs to) and its section; the document title, date, pages
and source go into the meta line, with a link to the original file. The
passage's best sentence is marked; the short answer quotes the best one or two
sentences word for word with their citation numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from answer.model import ANSWER_AT
from answer.quote import Quote
from answer.search import Hit
from casechat.card_tools import render_tools
from casechat.html_text import (
    case_label,
    cited_source,
    danish_date,
    escape,
    highlight,
    pages_label,
)
from index.fusion import Fusion, strength
from ingest.document import Chunk, Document

_LEVELS = {"high": "høj", "mid": "middel", "low": "lav"}
#: A passage at least this likely to answer is labelled "høj"; from ANSWER_AT "middel".
HIGH_PROBABILITY = 0.75


def probability_level(p: float) -> str:
    """ "high", "mid" or "low" for a passage's answer probability."""
    return "high" if p >= HIGH_PROBABILITY else "mid" if p >= ANSWER_AT else "low"


def relevance(hit: Hit, fusion: Fusion | None) -> tuple[str, str]:
    """('høj' | 'middel' | 'lav', explanation for the tooltip) for one passage.

    With an answer model (answer/model.py) the level is the passage's own calibrated
    probability of answering the question, absolute and comparable across questions
    (`probability_level`). Without one:

    The level comes from `index.fusion.strength`: with convex fusion (the
    default) the fused score as a share of its maximum; with reciprocal rank
    fusion the effective rank; without fusion the rank in the one list. The
    lists are scaled within each question, so this says how a passage stands
    against the other candidates, not whether the cases answer the question.
    """
    if hit.probability is not None:
        return _LEVELS[probability_level(hit.probability)], (
            f"sandsynlighed {hit.probability:.2f} for, at passagen besvarer spørgsmålet "
            "(svarmodellen, lært af dette indeks)"
        ).replace(".", ",", 1)
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
    parts = [f"<span><b>Dokument:</b> {escape(document.meta.title)}</span>"]
    munis = ", ".join(chunk.municipalities or document.meta.municipalities) or "ikke angivet"
    parts.append(f"<span><b>Kommune:</b> {escape(munis)}</span>")
    parts.append(f"<span><b>Dato:</b> {escape(danish_date(document.meta.date))}</span>")
    link, source = (escape(part) for part in cited_source(chunk, document))
    parts.append(
        f'<span><b>Kilde:</b> <a class="cc-source" href="{link}" target="_blank" '
        f'rel="noopener">{source}</a></span>'
    )
    return '<div class="cc-meta">' + " · ".join(parts) + "</div>"


def card_title(chunk: Chunk, document: Document) -> str:
    """The case and the section: "Odense › 4. Lederudvikling … › Hvordan greb I det an?"."""
    case = case_label(chunk, document)
    return f"{case} › {chunk.section}" if chunk.section and case != chunk.section else case


def _marked_text(hit: Hit, terms: Iterable[str]) -> str:
    """The passage, question words highlighted and its best sentence marked."""
    text, best = hit.chunk.text, hit.best
    if best is None or best.score <= 0:
        return highlight(text, terms)
    return (
        highlight(text[: best.start], terms)
        + f'<span class="cc-best">{highlight(text[best.start : best.end], terms)}</span>'
        + highlight(text[best.end :], terms)
    )


def render_card(hit: Hit, number: int, terms: Iterable[str], fusion: Fusion | None) -> str:
    """One numbered citation card: case and section, relevance, metadata, the passage."""
    chunk, document = hit.chunk, hit.document
    label, basis = relevance(hit, fusion)
    level = (
        probability_level(hit.probability)
        if hit.probability is not None
        else strength(hit.score, hit.rank, fusion).level
    )
    return (
        f'<div class="cc-card" data-source="{escape(chunk.source)}" '
        f'data-chunk="{chunk.chunk_id}" id="cc-{chunk.chunk_id}">'
        f'<div class="cc-head"><span class="cc-num">[{number}]</span> '
        f'<span class="cc-title">{escape(card_title(chunk, document))}</span> '
        f'<span class="cc-rel cc-rel-{level}" title="{escape(basis)}">Relevans: {label}</span>'
        "</div>"
        f"{_meta_line(chunk, document)}"
        f'<div class="cc-text">{_marked_text(hit, terms)}</div>'
        f"{render_tools(chunk, document)}"
        "</div>"
    )


def render_short_answer(quotes: Iterable[Quote]) -> str:
    """ "Kort svar": the best sentences, quoted word for word, each with its citation number."""
    items = "".join(
        f'<q class="cc-quote">{escape(q.text)}</q> <span class="cc-cite">[{q.rank}]</span> '
        for q in quotes
    )
    if not items:
        return ""
    return f'<div class="cc-short"><b>Kort svar:</b> {items.rstrip()}</div>'


def _groups(hits: list[Hit]) -> str:
    """ "2 passager fra Odense-casen" (or "fra »<document title>«" for a document that is no
    municipality's case) for every case with more than one passage shown."""
    counts: Counter[tuple[str, bool]] = Counter(
        (
            case_label(h.chunk, h.document),
            bool(h.chunk.municipalities or h.document.meta.municipalities),
        )
        for h in hits
    )
    shared = [
        f"{n} passager fra {case}-casen" if is_case else f"{n} passager fra »{case}«"
        for (case, is_case), n in counts.items()
        if n > 1
    ]
    return f" ({', '.join(shared)})" if shared else ""


def render_answer(
    hits: list[Hit],
    terms: Iterable[str],
    fusion: Fusion | None,
    footer: str = "",
    short: Iterable[Quote] = (),
    note: str = "",
) -> str:
    """The answer to one question: a note, the short answer, the cards and a small footer."""
    terms = frozenset(terms)
    count = len(hits)
    lead = (
        "Her er den passage i casene, der passer bedst"
        if count == 1
        else f"Her er de {count} passager i casene, der passer bedst{_groups(hits)}"
    )
    cards = "".join(render_card(h, n, terms, fusion) for n, h in enumerate(hits, start=1))
    notice = f'<p class="cc-nearest">{escape(note)}</p>' if note else ""
    return (
        f'<div class="cc-answer">{notice}{render_short_answer(short)}'
        f'<p class="cc-lead">{lead}:</p>{cards}{footer}</div>'
    )


def citation_label(number: int, hit: Hit) -> str:
    """How a citation is named in the "Vis i kontekst" picker."""
    section = hit.chunk.section.split(" › ")[-1] if hit.chunk.section else ""
    case = case_label(hit.chunk, hit.document)
    short = case if len(case) <= 60 else case[:57].rstrip() + "…"
    pages = pages_label(hit.chunk)
    return (
        f"[{number}] {short}"
        + (f" – {section}" if section else "")
        + (f" ({pages})" if pages else "")
    )
