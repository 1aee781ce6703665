"""`casechat search`: the passages that best answer a question, as text, JSON or an export.

`--json` writes the rows of `casechat/results.py` (a public interface: add keys, never
rename or drop them); notes go to stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from base.errors import CasechatError
from casechat.cli_common import fail, settings_for

IndexDir = Annotated[
    Path | None,
    typer.Option(
        "--index-dir", help="Indeksmappe (standard: data/index eller CASECHAT_INDEX_DIR)."
    ),
]


def search(
    question: Annotated[str, typer.Argument(help="Spørgsmålet, på dansk.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Antal tekststykker.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense eller bm25.")] = "hybrid",
    index_dir: IndexDir = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="Eksportér svaret som md eller docx.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Skriv eksporten til denne fil.")
    ] = None,
) -> None:
    """Find de tekststykker, der bedst besvarer spørgsmålet."""
    from answer.search import open_searcher
    from casechat.results import hit_row
    from casechat.wording import notices

    export = fmt is not None or out is not None
    if export:
        fmt = _export_format(fmt, out, as_json)
    try:
        searcher = open_searcher(settings_for(index_dir))
        result = searcher.search(question, k=k, mode=mode)
    except CasechatError as exc:
        fail(exc)
    if export:
        _export_answer(question, result, fmt, out)
        return
    if as_json:
        rows = [hit_row(h) for h in result.hits]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        if result.abstained:
            typer.echo("Ingen relevante tekststykker fundet.", err=True)
        elif notices(result):
            typer.echo(notices(result), err=True)
        return
    _print_answer(result)


def _print_answer(result) -> None:
    """The answer as plain text: a note, the short answer, then each passage with its source."""
    from casechat.html_text import case_label, pages_label
    from casechat.wording import notices

    note = notices(result)
    if note:
        typer.echo(note)
    if result.abstained:
        typer.echo("Jeg fandt ingen tekststykker i casene, der besvarer spørgsmålet.")
        return
    if result.short_answer:
        quotes = " ".join(f"»{q.text}« [{q.rank}]" for q in result.short_answer)
        typer.echo(f"Kort svar: {quotes}\n")
    for hit in result.hits:
        chunk = hit.chunk
        case = case_label(chunk, hit.document)
        where = case + (f" › {chunk.section}" if chunk.section else "")
        place = ", ".join(filter(None, [pages_label(chunk), f"tegn {chunk.start}–{chunk.end}"]))
        typer.echo(f"[{hit.rank}] {where}  ({chunk.source}, {place})")
        typer.echo(chunk.text + "\n")


def _export_format(fmt: str | None, out: Path | None, as_json: bool) -> str:
    """The export format of `search --format/--out`, or exit 2 saying what is wrong."""
    from casechat.export import FORMATS

    fmt = (fmt or (out.suffix.lstrip(".").lower() if out else "")) or "md"
    problem = ""
    if as_json:
        problem = "Vælg enten --json eller --format/--out."
    elif fmt not in FORMATS:
        problem = f"--format skal være md eller docx (fik »{fmt}«)."
    elif fmt == "docx" and out is None:
        problem = "En Word-fil skal gemmes et sted: tilføj --out FIL.docx."
    if problem:
        typer.echo(f"Fejl: {problem}", err=True)
        raise typer.Exit(code=2)
    return fmt


def _export_answer(question: str, result, fmt: str, out: Path | None) -> None:
    """Write one answer as Markdown (to --out or stdout) or Word (to --out)."""
    from casechat.export import to_markdown, turn_from, write

    turns = [turn_from(question, result)]
    if out is None:
        sys.stdout.write(to_markdown(turns))
        return
    try:
        write(turns, out, fmt)
    except OSError as exc:
        typer.echo(f"Fejl: {out} kan ikke skrives ({exc.strerror or exc}).", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"Svaret er gemt i {out}", err=True)


def register(app: typer.Typer) -> None:
    app.command()(search)
