"""What every `casechat` command module shares: its settings and its one-line failure."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import NoReturn

import typer

from base.errors import CasechatError
from base.settings import Settings


def settings_for(index_dir: Path | None = None, corpus: Path | None = None) -> Settings:
    """The settings from the environment (and settings file), with the command's folders."""
    settings = Settings.from_env()
    if index_dir is not None:
        settings = replace(settings, index_dir=index_dir)
    if corpus is not None:
        settings = replace(settings, corpus_dir=corpus)
    return settings


def fail(exc: CasechatError) -> NoReturn:
    """One Danish line on stderr and exit code 1: never a traceback."""
    typer.echo(f"Fejl: {exc}", err=True)
    raise typer.Exit(code=1)
