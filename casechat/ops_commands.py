"""The operator's commands: `casechat backup DIR`, `casechat restore-backup DIR`, and the
server options of `casechat chat` (--root-path, --forwarded-allow-ips, --allowed-hosts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from base.errors import CasechatError
from base.settings import (
    ALLOWED_HOSTS_ENV,
    FORWARDED_ALLOW_IPS_ENV,
    ROOT_PATH_ENV,
)
from casechat.backup import backup, restore
from casechat.cli_common import fail, settings_for

IndexDir = Annotated[Path | None, typer.Option("--index-dir", help="Indeksmappe.")]
RootPath = Annotated[
    str | None,
    typer.Option("--root-path", help="Stien bag en reverse proxy, fx /casechat."),
]
ForwardedIps = Annotated[
    str | None,
    typer.Option(
        "--forwarded-allow-ips",
        help="Proxyer, hvis X-Forwarded-For troes (kommaliste, fx 127.0.0.1).",
    ),
]
AllowedHosts = Annotated[
    str | None,
    typer.Option("--allowed-hosts", help="Værtsnavne, der svares på (kommaliste)."),
]


def server_options(root_path: str | None, forwarded: str | None, hosts: str | None) -> None:
    """The chat's server options from the command line (they win over file and env)."""
    for name, value in (
        (ROOT_PATH_ENV, root_path),
        (FORWARDED_ALLOW_IPS_ENV, forwarded),
        (ALLOWED_HOSTS_ENV, hosts),
    ):
        if value is not None:
            os.environ[name] = value


def backup_command(
    folder: Annotated[Path, typer.Argument(help="En ny, tom mappe til backuppen.")],
    index_dir: IndexDir = None,
) -> None:
    """Tag backup af dokumenter, metadata, bibliotek, revisionslog og indeks (chatten må køre)."""
    try:
        made = backup(settings_for(index_dir), folder)
    except CasechatError as exc:
        fail(exc)
    typer.echo(f"Backup i {folder}: {len(made['files'])} filer, indeks {made['index']}.")


def restore_command(
    folder: Annotated[Path, typer.Argument(help="Mappen med backuppen.")],
    index_dir: IndexDir = None,
) -> None:
    """Gendan en backup (det nuværende flyttes til side, intet slettes). Stop chatten først."""
    try:
        made = restore(settings_for(index_dir), folder)
    except CasechatError as exc:
        fail(exc)
    typer.echo(f"Gendannet fra {folder} (taget {made.get('made', '?')}).")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore-backup")(restore_command)
