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
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)  # stdout stays clean for the summary and --json
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as bar:
        task = bar.add_task("Embedder tekststykker", total=None)
        scans = None

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        def ocr_page(done: int, total: int) -> None:
            """One more scanned page read by OCR: its own bar, a page at a time."""
            nonlocal scans
            if scans is None:
                scans = bar.add_task("OCR af scannede sider", total=total)
            bar.update(scans, completed=done, total=total)
            if done == total:
                bar.remove_task(scans)
                scans = None

        return build_index(settings, embedder, full=full, progress=update, ocr_progress=ocr_page)
