"""Search results as JSON-ready rows: one shape for `casechat search --json` and the API.

The keys of a row are a public interface: new keys may be added, none renamed
or dropped (README, "The command line").
"""

from __future__ import annotations

from answer.search import Hit, SearchResult


def hit_row(hit: Hit) -> dict:
    """One passage: its text, score, citation (document, section, pages) and best sentence."""
    chunk, document = hit.chunk, hit.document
    return {
        "rank": hit.rank,
        "text": chunk.text,
        "score": round(hit.score, 6),
        "source": chunk.source,
        "title": chunk.title,
        "section": chunk.section,
        "municipalities": list(chunk.municipalities),
        "date": document.meta.date,
        "start": chunk.start,
        "end": chunk.end,
        "chunk_id": chunk.chunk_id,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "format": document.format,
        "best_sentence": hit.best.text if hit.best else None,
        # P(this passage answers the question), answer/model.py; None without a model.
        "probability": None if hit.probability is None else round(hit.probability, 4),
    }


def short_answer_rows(result: SearchResult) -> list[dict]:
    """The short answer: each quoted sentence with the rank (citation number) of its passage."""
    return [{"rank": q.rank, "text": q.text, "chunk_id": q.chunk_id} for q in result.short_answer]


def short_answer_text(result: SearchResult) -> str:
    """The short answer as one string (empty when there is none)."""
    return " ".join(q.text for q in result.short_answer)
