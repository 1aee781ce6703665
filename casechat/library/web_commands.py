"""`casechat add-url URL…` and `casechat refresh-url [NAME…]`: web pages by their address.

Like `casechat add`: no login at the terminal (logged as `cli:<user>`), and an
incremental build afterwards unless `--no-build`. `refresh-url` without names
refreshes every page added by address; a page whose main text is unchanged is
left alone (nothing is re-indexed).
"""

from __future__ import annotations

from typing import Annotated

import typer

from base.errors import CasechatError
from casechat.library.audit import cli_editor
from casechat.library.commands import IndexDir, NoBuild, build_or_fail, open_library
from casechat.library.web import add_url, refresh, web_sources


def add_url_command(
    urls: Annotated[list[str], typer.Argument(help="Adresserne (http:// eller https://).")],
    no_build: NoBuild = False,
    index_dir: IndexDir = None,
) -> None:
    """Hent websider og læg dem i korpusset (med adresse, titel, dato og forfatter)."""
    library = open_library(index_dir)
    changed = failures = 0
    for url in urls:
        try:
            change = add_url(library, url, cli_editor())
        except CasechatError as exc:
            typer.echo(f"Fejl: {url} tilføjes ikke: {exc}", err=True)
            failures += 1
            continue
        changed += 1
        extra = " (erstatter den tidligere udgave)" if change.replaced else ""
        typer.echo(f"Tilføjet: {change.name} fra {url}{extra}")
    if changed and not no_build:
        build_or_fail(library)
    if failures:
        raise typer.Exit(code=1)


def refresh_url_command(
    names: Annotated[
        list[str] | None, typer.Argument(help="Dokumenterne (standard: alle hentet fra nettet).")
    ] = None,
    no_build: NoBuild = False,
    index_dir: IndexDir = None,
) -> None:
    """Hent websider igen fra kilden; opdatér kun dem, hvis tekst er ændret."""
    library = open_library(index_dir)
    changed = failures = 0
    for name in names or list(web_sources(library)):
        try:
            result = refresh(library, name, cli_editor())
        except CasechatError as exc:
            typer.echo(f"Fejl: {name}: {exc}", err=True)
            failures += 1
            continue
        changed += result.change is not None
        typer.echo(f"{name}: {result.reason}")
    if changed and not no_build:
        build_or_fail(library)
    if failures:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("add-url")(add_url_command)
    app.command("refresh-url")(refresh_url_command)
