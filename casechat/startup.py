"""The chat's start-up work that needs no Gradio: the model, the index brought up to
date with the corpus, and the searcher of the moment (a LiveIndex).

`casechat chat` runs it in a worker thread while Gradio is imported (the larger part of
a start-up measured with `python -X importtime`), so the first answer waits for the
slower of the two instead of their sum; `chat_app.prepare` is the same thing in the
calling thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from rich.console import Console

from answer.search import Searcher, open_searcher
from base.errors import CasechatError
from base.settings import Settings
from casechat.live_index import LiveIndex
from casechat.progress import run_build
from index.encoder import Embedder, load_embedder
from index.manifest import Manifest

log = logging.getLogger("casechat.startup")


def prepare(settings: Settings, embedder: Embedder | None = None) -> LiveIndex:
    """Load the model, bring the index up to date with the corpus, and open it for search.

    Progress is printed in the terminal; a CasechatError says what to run.
    """
    console = Console(stderr=True)
    if embedder is None:
        console.print(f"Indlæser modellen [bold]{settings.model}[/] …")
        embedder = load_embedder(settings.model)
    console.print(f"Tjekker indekset i {settings.index_dir} mod {settings.corpus_dir} …")
    try:
        report = run_build(settings, embedder=embedder)
    except OSError as exc:  # e.g. an index folder without write permission
        raise CasechatError(
            f"Indekset i {settings.index_dir} kan ikke bygges ({exc.strerror or exc}). "
            "Vælg en mappe, du kan skrive i, med CASECHAT_INDEX_DIR eller --index-dir."
        ) from exc
    for problem in report.problems:
        console.print(f"[yellow]Advarsel:[/] {problem.source} springes over: {problem.reason}")
    console.print(
        ("Indekset er uændret: " if not report.changed else "Indekset er opdateret: ")
        + report.summary()
    )
    # A LiveIndex follows the index: after `casechat build` swaps in a new one,
    # the next question is answered from it, without restarting the chat.
    searcher = open_searcher(settings, embedder)
    verify_in_background(searcher)
    return LiveIndex(settings, searcher)


def verify_in_background(searcher: Searcher) -> threading.Thread:
    """Check every file's sha256 against the manifest in a background thread; the chat
    answers meanwhile (a load checks sizes only). Damage is logged with what to do."""

    def verify(path: Path, manifest: Manifest) -> None:
        try:
            manifest.verify_files(path, checksums=True)
        except CasechatError as exc:
            log.error("%s", exc)
        else:
            log.info("Indeksets kontrolsummer er i orden: %s", path.name)

    thread = threading.Thread(
        target=verify,
        args=(searcher.snapshot.path, searcher.manifest),
        name="casechat-verify",
        daemon=True,
    )
    thread.start()
    return thread


def prepare_in_background(
    settings: Settings, embedder: Callable[[], Embedder] | None = None
) -> Future[LiveIndex]:
    """`prepare` in a worker thread; its errors are raised where the result is asked for."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="casechat-prepare")
    future = pool.submit(lambda: prepare(settings, embedder() if embedder else None))
    pool.shutdown(wait=False)
    return future
