"""`casechat add/remove/restore/list` and `casechat editor add/remove/list`.

The same Library as the web chat's Dokumenter tab. A change at the terminal
needs no login (whoever can run it can write the corpus folder anyway); it is
logged as `cli:<user>`. Each change ends with an incremental build, as
`casechat build` does, unless `--no-build`. `register(app)` adds the commands
to the `casechat` command (cli.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from base.errors import CasechatError
from casechat.cli_common import fail, settings_for
from casechat.library import Library, form_meta
from casechat.library.audit import cli_editor

NoBuild = Annotated[
    bool, typer.Option("--no-build", help="Opdatér ikke indekset bagefter (kør selv `build`).")
]
IndexDir = Annotated[Path | None, typer.Option("--index-dir", help="Indeksmappe.")]

editor_app = typer.Typer(no_args_is_help=True, help="Redaktører, der må ændre dokumenterne.")


def open_library(index_dir: Path | None) -> Library:
    return Library(settings_for(index_dir)).open()


def _build(library: Library) -> None:
    from casechat.progress import run_build

    report = run_build(library.settings)
    for problem in report.problems:
        typer.echo(f"Advarsel: {problem.source} springes over: {problem.reason}", err=True)
    typer.echo(("Indekset er uændret: " if not report.changed else "Færdig: ") + report.summary())


def add(
    files: Annotated[
        list[Path], typer.Argument(help="Filerne (.txt, .md, .pdf, .docx, .pptx, .odt, .html).")
    ],
    title: Annotated[str | None, typer.Option("--title", help="Titel (kun ved én fil).")] = None,
    municipality: Annotated[
        list[str] | None, typer.Option("--municipality", help="Kommune (kan gentages).")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="Dato, fx 2025-03-14.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Dokumenttype.")] = None,
    replace_existing: Annotated[
        bool, typer.Option("--replace", help="Erstat et dokument med samme navn eller indhold.")
    ] = False,
    no_build: NoBuild = False,
    index_dir: IndexDir = None,
) -> None:
    """Læg dokumenter i korpusset (med metadata) og opdatér indekset."""
    if title and len(files) > 1:
        typer.echo("Fejl: --title gælder kun, når du tilføjer én fil.", err=True)
        raise typer.Exit(code=2)
    try:
        library = open_library(index_dir)
        for path in files:
            if not path.is_file():
                raise CasechatError(f"{path} findes ikke eller er ikke en fil.")
        taken, refused = library.check([(p, p.name) for p in files])
    except CasechatError as exc:
        fail(exc)
    for refusal in refused:
        typer.echo(f"Fejl: {refusal.original} tilføjes ikke: {refusal.reason}", err=True)
    changed, failures = 0, len(refused)
    for candidate in taken:
        found = candidate.found
        try:
            meta = form_meta(
                title or found.title,
                municipality or [],
                date if date is not None else (found.date or ""),
                kind or "",
            )
            replace_it = replace_existing
            if candidate.conflict and not replace_it and sys.stdin.isatty():
                replace_it = typer.confirm(
                    f"{candidate.original} har {candidate.conflict.describe()}. Erstat?"
                )
            change = library.add(candidate, meta, cli_editor(), replace=replace_it)
        except CasechatError as exc:
            typer.echo(f"Fejl: {exc}", err=True)
            library.discard(candidate)
            failures += 1
            continue
        changed += 1
        extra = f" (erstatter {change.replaced})" if change.replaced else ""
        typer.echo(f"Tilføjet: {change.name}{extra}")
    if changed and not no_build:
        build_or_fail(library)
    if failures:
        raise typer.Exit(code=1)


def build_or_fail(library: Library) -> None:
    try:
        _build(library)
    except CasechatError as exc:
        fail(exc)


def remove(
    names: Annotated[list[str], typer.Argument(help="Dokumenternes filnavne i korpusset.")],
    no_build: NoBuild = False,
    index_dir: IndexDir = None,
) -> None:
    """Flyt dokumenter til papirkurven (de kan gendannes) og opdatér indekset."""
    _move(names, "remove", "Fjernet (i papirkurven)", no_build, index_dir)


def restore(
    names: Annotated[list[str], typer.Argument(help="Filnavn eller papirkurvens id.")],
    no_build: NoBuild = False,
    index_dir: IndexDir = None,
) -> None:
    """Læg dokumenter fra papirkurven tilbage i korpusset og opdatér indekset."""
    _move(names, "restore", "Gendannet", no_build, index_dir)


def _move(names: list[str], action: str, done: str, no_build: bool, index_dir: Path | None) -> None:
    """Remove or restore each named document (`action` is the Library method), then build."""
    try:
        library = open_library(index_dir)
        for name in names:
            change = getattr(library, action)(name, cli_editor())
            typer.echo(f"{done}: {change.name}")
    except CasechatError as exc:
        fail(exc)
    if not no_build:
        build_or_fail(library)


def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Skriv listen som JSON.")] = False,
    index_dir: IndexDir = None,
) -> None:
    """Vis dokumenterne med status, og papirkurven."""
    from casechat.library.builder import BuildState
    from casechat.library.catalog import rows
    from index.store import load_snapshot

    try:
        library = open_library(index_dir)
        try:
            snapshot = load_snapshot(library.settings.index_dir)
        except CasechatError:
            snapshot = None
        found = rows(library.settings, snapshot, BuildState())
        recycled = library.recycled()
    except CasechatError as exc:
        fail(exc)
    if as_json:
        data = {
            "documents": [r.as_json() for r in found],
            "recycle": [vars(e) for e in recycled],
        }
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    for row in found:
        where = f", {', '.join(row.municipalities)}" if row.municipalities else ""
        typer.echo(f"{row.source}: {row.title}{where} [{row.status}; {row.passages} passager]")
    if not found:
        typer.echo("Korpusset er tomt.")
    if recycled:
        typer.echo("\nPapirkurven (gendan med `casechat restore NAVN`):")
        for entry in recycled:
            typer.echo(f"  {entry.id}  {entry.label()}  af {entry.editor}")


@editor_app.command("add")
def editor_add(
    name: Annotated[str, typer.Argument(help="Redaktørens navn (login).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Læs adgangskoden fra standard input.")
    ] = False,
    index_dir: IndexDir = None,
) -> None:
    """Opret en redaktør (eller giv en ny adgangskode); adgangskoden spørges om to gange."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Adgangskode", hide_input=True, confirmation_prompt=True)
    try:
        new = open_library(index_dir).editors.add(name, password)
    except CasechatError as exc:
        fail(exc)
    typer.echo(f"Redaktøren {name} er {'oprettet' if new else 'opdateret med ny adgangskode'}.")


@editor_app.command("remove")
def editor_remove(name: str, index_dir: IndexDir = None) -> None:
    """Slet en redaktør (kan ikke længere logge ind)."""
    try:
        open_library(index_dir).editors.remove(name)
    except CasechatError as exc:
        fail(exc)
    typer.echo(f"Redaktøren {name} er slettet.")


@editor_app.command("list")
def editor_list(index_dir: IndexDir = None) -> None:
    """Vis redaktørerne."""
    try:
        names = open_library(index_dir).editors.names()
    except CasechatError as exc:
        fail(exc)
    for name in names:
        typer.echo(name)
    if not names:
        typer.echo("Der er ingen redaktører. Opret en med `casechat editor add NAVN`.", err=True)


def register(app: typer.Typer) -> None:
    """Add the library's commands to the `casechat` command."""
    app.command()(add)
    app.command()(remove)
    app.command()(restore)
    app.command("list")(list_)
    app.add_typer(editor_app, name="editor")
