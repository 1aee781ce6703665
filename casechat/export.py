"""A conversation as Markdown or Word: questions, short answers, and the cited passages.

The chat keeps each answer as a `Turn` (structured data taken from the
`SearchResult`, never scraped from its HTML); `casechat search --format md|docx`
makes the same file for one question. Every citation is complete: document
title, case (municipality), section, page (paged formats only), date and
source file, and the passage word for word.

Every field is cleaned on the way out: characters Word (XML 1.0) cannot hold
are dropped, and in Markdown, HTML is escaped (`<img onerror=…>` becomes text)
and headings and list values are kept on one line, so one hostile title or
question never breaks the file or the session's later exports.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from docx import Document as WordDocument
from docx.shared import Pt

from answer.search import Hit, SearchResult
from casechat.html_text import case_label, danish_date, pages_label
from casechat.wording import NO_PASSAGES, notices

TITLE = "Samtale fra casechat"
FORMATS = ("md", "docx")
#: Characters XML 1.0 (so Word) cannot hold: C0 controls but tab/newline/CR, DEL, lone
#: surrogates and the two non-characters U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """`text` without the characters Word cannot hold."""
    return _NOT_XML.sub("", text or "")


def md(text: str) -> str:
    """`text` for Markdown: cleaned, HTML escaped."""
    return html.escape(clean(text), quote=False)


def md_line(text: str) -> str:
    """`text` for a Markdown heading or list value: escaped, on one line."""
    return " ".join(md(text).split())


@dataclass(frozen=True)
class Citation:
    """One cited passage with everything needed to find it again."""

    number: int
    title: str
    case: str
    section: str
    pages: str  # "s. 3", "s. 3–4", or "" for formats without pages
    date: str
    source: str
    chunk_id: int
    text: str

    def fields(self) -> list[tuple[str, str]]:
        """The citation as (label, value) lines, empty values left out."""
        rows = [("Dokument", self.title), ("Case", self.case), ("Afsnit", self.section)]
        rows += [("Side", self.pages), ("Dato", self.date), ("Kilde", self.source)]
        return [(label, value) for label, value in rows if value]


@dataclass(frozen=True)
class Turn:
    """One question and its answer as the chat showed it."""

    question: str
    searched: str = ""
    verdict: str = ""
    notice: str = ""
    short_answer: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    asked: str = field(default_factory=lambda: datetime.now().strftime("%Y-%m-%d %H:%M"))


def turn_from(question: str, result: SearchResult | None, message: str = "") -> Turn:
    """The turn for one answer; without a result (an error) only `message` is kept."""
    if result is None:
        return Turn(question=question, notice=message)
    number = {h.rank: n for n, h in enumerate(result.hits, start=1)}
    short = tuple(
        f"{q.text.lstrip('-•*– ')} [{number.get(q.rank, q.rank)}]" for q in result.short_answer
    )
    citations = citations_of(result.hits)
    return Turn(question, result.query, result.verdict, notices(result), short, citations)


def citations_of(hits: Iterable[Hit]) -> tuple[Citation, ...]:
    """The cited passages of an answer, numbered as the chat shows them."""
    return tuple(
        Citation(
            number=n,
            title=h.document.meta.title,
            case=case_label(h.chunk, h.document),
            section=h.chunk.section,
            pages=pages_label(h.chunk),
            date=danish_date(h.document.meta.date),
            source=h.chunk.source,
            chunk_id=h.chunk.chunk_id,
            text=h.chunk.text,
        )
        for n, h in enumerate(hits, start=1)
    )


def _lead(turn: Turn) -> list[str]:
    """The lines under a question's heading, before its citations."""
    lines = []
    if turn.searched and turn.searched != turn.question:
        lines.append(f"Søgt på: »{turn.searched}«")
    if turn.notice:
        lines.append(turn.notice)
    if not turn.citations and turn.verdict:
        lines.append(NO_PASSAGES)
    return lines


def to_markdown(turns: list[Turn]) -> str:
    """The conversation as a Markdown document."""
    stamp = f"Eksporteret {datetime.now():%Y-%m-%d %H:%M} · {len(turns)} spørgsmål."
    out = [f"# {TITLE}", "", stamp + " Svarene er ordrette uddrag af casene.", ""]
    for n, turn in enumerate(turns, start=1):
        out += [f"## {n}. {md_line(turn.question)}", ""]
        out += [f"*{md_line(line)}*\n" for line in _lead(turn)]
        if turn.short_answer:
            out += ["**Kort svar:** " + md_line(" ".join(turn.short_answer)), ""]
        for c in turn.citations:
            section = f" – {md_line(c.section)}" if c.section else ""
            out += [f"### [{c.number}] {md_line(c.case)}{section}", ""]
            out += [f"- **{label}:** {md_line(value)}" for label, value in c.fields()]
            out += [""] + ["> " + md(line) if line.strip() else ">" for line in c.text.splitlines()]
            out += [""]
    return "\n".join(out).rstrip() + "\n"


def write_markdown(turns: list[Turn], path: Path) -> Path:
    path.write_text(to_markdown(turns), encoding="utf-8")
    return path


def write_docx(turns: list[Turn], path: Path) -> Path:
    """The conversation as a Word document (headings, citation lines, quoted passages)."""
    doc = WordDocument()
    doc.core_properties.title = TITLE
    doc.core_properties.language = "da-DK"
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(
        f"Eksporteret {datetime.now():%Y-%m-%d %H:%M} · {len(turns)} spørgsmål. "
        "Svarene er ordrette uddrag af casene."
    )
    for n, turn in enumerate(turns, start=1):
        doc.add_heading(f"{n}. {clean(turn.question)}", level=1)
        for line in _lead(turn):
            doc.add_paragraph().add_run(clean(line)).italic = True
        if turn.short_answer:
            para = doc.add_paragraph()
            para.add_run("Kort svar: ").bold = True
            para.add_run(clean(" ".join(turn.short_answer)))
        for c in turn.citations:
            section = f" – {clean(c.section)}" if c.section else ""
            doc.add_heading(f"[{c.number}] {clean(c.case)}{section}", 2)
            for label, value in c.fields():
                para = doc.add_paragraph(style="List Bullet")
                para.add_run(f"{label}: ").bold = True
                para.add_run(clean(value))
            quote = doc.add_paragraph(clean(c.text), style="Quote")
            quote.paragraph_format.space_after = Pt(10)
    doc.save(str(path))
    return path


def write(turns: list[Turn], path: Path, fmt: str | None = None) -> Path:
    """Write `turns` to `path` as `fmt` ("md" or "docx"; default: from the file suffix)."""
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt == "docx":
        return write_docx(turns, path)
    return write_markdown(turns, path)


def export_files(turns: list[Turn], folder: Path | None = None) -> list[Path]:
    """The conversation as a .docx and a .md file in a new folder (for download)."""
    folder = Path(folder or tempfile.mkdtemp(prefix="casechat-eksport-"))
    stem = f"casechat-samtale-{datetime.now():%Y%m%d-%H%M%S}"
    return [
        write_docx(turns, folder / f"{stem}.docx"),
        write_markdown(turns, folder / f"{stem}.md"),
    ]
