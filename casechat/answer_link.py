"""A link to an answer: `/?q=<question>&kommune=<name>&dokument=<file>&k=<n>`.

Opening the link opens the chat with that question asked under those filters
(`chat_app.py` reads it on page load with `from_params`). The link is relative to
the chat's own address, so it works behind a root path too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from casechat.html_text import escape

QUESTION, MUNICIPALITY, DOCUMENT, COUNT = "q", "kommune", "dokument", "k"


@dataclass(frozen=True)
class LinkedQuestion:
    """The question and filters a link asks for."""

    question: str
    municipalities: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    k: int | None = None


def answer_link(
    question: str,
    municipalities: Iterable[str] = (),
    documents: Iterable[str] = (),
    k: int | None = None,
) -> str:
    """The relative link that asks `question` again with these filters."""
    pairs = [(QUESTION, question)]
    pairs += [(MUNICIPALITY, m) for m in sorted(municipalities)]
    pairs += [(DOCUMENT, d) for d in sorted(documents)]
    if k is not None:
        pairs.append((COUNT, str(k)))
    return "?" + urlencode(pairs)


def from_params(
    params: Mapping[str, list[str]], known_munis: Iterable[str], known_docs: Iterable[str]
) -> LinkedQuestion | None:
    """The question a page address asks (None without `q`); unknown filters are dropped,
    as a link may outlive a document."""
    question = " ".join(params.get(QUESTION, [])).strip()
    if not question:
        return None
    munis, docs = set(known_munis), set(known_docs)
    k = None
    for raw in params.get(COUNT, [])[:1]:
        k = int(raw) if raw.strip().isdigit() else None  # the chat clamps it to its range
    return LinkedQuestion(
        question,
        [m for m in params.get(MUNICIPALITY, []) if m in munis],
        [d for d in params.get(DOCUMENT, []) if d in docs],
        k,
    )


def from_request(
    request: object, known_munis: Iterable[str], known_docs: Iterable[str]
) -> LinkedQuestion | None:
    """The question the address of a page load asks (a gr.Request), or None."""
    params = getattr(request, "query_params", None)
    if params is None:
        return None
    keys = (QUESTION, MUNICIPALITY, DOCUMENT, COUNT)
    return from_params({key: params.getlist(key) for key in keys}, known_munis, known_docs)


def render_link_button(link: str) -> str:
    """»Kopiér link« for an answer: the link is shown too, so it can be copied by hand."""
    return (
        '<p class="cc-share">'
        f'<a class="cc-link" href="{escape(link)}">Link til svaret</a> '
        f'<button type="button" class="cc-tool cc-copy" value="{escape(link)}">'
        "Kopiér link</button>"
        '<span class="cc-copy-status" role="status"></span></p>'
    )
