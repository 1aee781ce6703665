"""One checked search over the live index, as JSON: shared by the HTTP API and MCP server.

Input is refused at this border with a Danish `QueryError` that says what is
wrong (empty or over-long question, k outside 1–MAX_K, a municipality or
document the index does not know). The rows of a result are exactly
`casechat.results.hit_row`, the shape of `casechat search --json`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from answer.search import MAX_QUERY_CHARS, Searcher, SearchResult
from base.errors import QueryError
from casechat.answer import MAX_K
from casechat.live_index import SearcherSource
from casechat.results import hit_row, short_answer_rows
from casechat.wording import notices, quoted_list

DEFAULT_K = 3


def check_question(question: object) -> str:
    """The question, stripped; refused when missing, empty or over MAX_QUERY_CHARS."""
    if not isinstance(question, str) or not question.strip():
        raise QueryError("Skriv et spørgsmål – feltet er tomt.")
    text = question.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"Spørgsmålet er {len(text)} tegn langt; grænsen er {MAX_QUERY_CHARS}. "
            "Forkort spørgsmålet."
        )
    return text


def check_k(k: object) -> int:
    """k as an int in 1..MAX_K (the chat's slider), or a QueryError."""
    if isinstance(k, bool) or not isinstance(k, int | str):
        raise QueryError(f"k skal være et heltal fra 1 til {MAX_K}.")
    try:
        value = int(k)
    except ValueError:
        raise QueryError(f"k skal være et heltal fra 1 til {MAX_K}.") from None
    if not 1 <= value <= MAX_K:
        raise QueryError(f"k skal være et heltal fra 1 til {MAX_K}; fik {short(str(value))}.")
    return value


def short(value: str, limit: int = 40) -> str:
    """At most `limit` characters of user input, for an error message."""
    return value if len(value) <= limit else value[:limit] + "…"


def check_filter(values: Iterable[str] | None, known: Iterable[str], what: str) -> set[str]:
    """The filter values, each one the index knows (`what` names them in the message)."""
    chosen = {v.strip() for v in values or () if isinstance(v, str) and v.strip()}
    known = sorted(set(known))
    unknown = sorted(chosen - set(known))
    if unknown:
        shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
        raise QueryError(
            f"Ukendt {what}: {quoted_list([short(u) for u in unknown])}. "
            f"Gyldige værdier: {shown or 'ingen'} "
            "(se også GET /api/documents eller værktøjet list_documents)."
        )
    return chosen


def run_search(
    searcher: Searcher,
    question: object,
    k: object = DEFAULT_K,
    municipalities: Iterable[str] | None = None,
    documents: Iterable[str] | None = None,
) -> SearchResult:
    """Check the input against this searcher's index, then search (hybrid, as the chat)."""
    text = check_question(question)
    count = check_k(k)
    munis = check_filter(municipalities, searcher.municipalities(), "kommune")
    sources = check_filter(documents, (d.source for d in searcher.documents()), "dokument")
    return searcher.search(text, k=count, sources=sources or None, municipalities=munis or None)


def result_payload(result: SearchResult) -> dict:
    """The JSON of one search: verdict, short answer, notice, rows and what was searched."""
    return {
        "verdict": result.verdict,
        "short_answer": short_answer_rows(result),
        "notice": notices(result),
        "results": [hit_row(h) for h in result.hits],
        "searched": result.query,
        "probability": None if result.probability is None else round(result.probability, 4),
    }


def search_payload(
    source: SearcherSource,
    question: object,
    k: object = DEFAULT_K,
    municipalities: Iterable[str] | None = None,
    documents: Iterable[str] | None = None,
) -> dict:
    """Search the index of the moment (`source.current()`, as the chat does) as JSON."""
    return result_payload(run_search(source.current(), question, k, municipalities, documents))


def document_rows(searcher: Searcher) -> list[dict]:
    """Every indexed document: source, title, municipalities, date, format, pages, passages."""
    passages = Counter(c.source for c in searcher.snapshot.chunks.values())
    return [
        {
            "source": d.source,
            "title": d.meta.title,
            "municipalities": list(d.meta.municipalities),
            "date": d.meta.date,
            "format": d.format,
            "page_count": d.page_count,
            "passages": passages.get(d.source, 0),
        }
        for d in searcher.documents()
    ]
