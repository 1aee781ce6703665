"""Builds with a progress bar in the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from answer.build import BuildReport, build_index
from base.settings import Settings
from index.encoder import Embedder, load_embedder


def run_build(
    settings: Settings, full: bool = False, embedder: Embedder | None = None
) -> BuildReport:
    embedder = embedder or load_embedder(settings.model)
    columns = (
        TextColumn("Embedder tekststykker"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)  # stdout stays clean for the summary and --json
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("embed", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return build_index(settings, embedder, full=full, progress=update)
