"""Plain HTML pieces of the web chat: escaping, highlighting, dates, pages and links.

Every piece of text that comes from a document or a question goes through
`escape` before it meets any markup. casechat/cards.py and casechat/chat_view.py
build the chat's HTML from these.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable

from index.lemma import text_words
from ingest.document import Chunk, Document

_TOKEN = re.compile(r"\w+", re.UNICODE)
_MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def question_terms(question: str) -> frozenset[str]:
    """The dictionary forms of the question's content words (index/lemma.py, æøå-folded)."""
    return frozenset(f for w in text_words(question) for f in w.forms)


def highlight(text: str, terms: Iterable[str]) -> str:
    """Escaped `text` with each whole word that shares a dictionary form with `terms` (from
    `question_terms`) wrapped in <mark>.

    Words match as words (index/lemma.py): "lederne" matches "ledere" and "kobenhavn"
    matches "København", but "bag" never matches "bager"; stop words and one-character
    tokens ("1", list numbers) never match.
    """
    terms = frozenset(terms)
    out: list[str] = []
    cursor = 0
    for word in text_words(text):
        if word.forms & terms and word.end - word.start > 1:
            out.append(escape(text[cursor : word.start]))
            out.append(f"<mark>{escape(text[word.start : word.end])}</mark>")
            cursor = word.end
    out.append(escape(text[cursor:]))
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


def case_label(chunk: Chunk, document: Document) -> str:
    """The case a passage is about: its municipalities ("Glostrup og Albertslund"), else the
    document's own municipalities, else the document title."""
    munis = list(chunk.municipalities or document.meta.municipalities)
    if not munis:
        return document.meta.title
    return munis[0] if len(munis) == 1 else ", ".join(munis[:-1]) + " og " + munis[-1]


def pages_label(chunk: Chunk) -> str:
    """ "s. 12" or "s. 12–13" for a passage of a paged document, "dias 7" for a slide
    of a presentation ("" without pages)."""
    if chunk.page_start is None:
        return ""
    unit = "dias" if chunk.source.lower().endswith(".pptx") else "s."
    if chunk.page_end is None or chunk.page_end == chunk.page_start:
        return f"{unit} {chunk.page_start}"
    return f"{unit} {chunk.page_start}–{chunk.page_end}"


def document_id(source: str) -> str:
    """A document's id in links to its original file: never a path from a request."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def original_link(chunk: Chunk, document: Document) -> str:
    """The address of the original file, opened at the passage's page where it has one."""
    page = f"#page={chunk.page_start}" if chunk.page_start and document.format == "pdf" else ""
    return f"/dokument/{document_id(document.source)}{page}"


def cited_source(chunk: Chunk, document: Document) -> tuple[str, str]:
    """The link and the name a citation shows: a web page added by its address is cited by
    that address; any other document by its file (and pages), opened at the passage's page."""
    if document.meta.url:
        return document.meta.url, document.meta.url
    pages = pages_label(chunk)
    return original_link(chunk, document), chunk.source + (f", {pages}" if pages else "")
