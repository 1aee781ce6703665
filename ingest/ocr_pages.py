"""OCR of the scanned pages of a PDF: one sandboxed child per page, cached by content.

The PDF reader lists the pages that have an image and no text layer
(`ReadDocument.ocr_pages`). Each is read by Tesseract in its own child process
(ingest/readers/ocr.py, with the sandbox's memory limit and a time limit per
page), with a progress callback per page. The text is cached under the sha256
of the file's bytes, the page number and the OCR engine (version, languages,
resolution), so a rebuild, a re-read after a reader version bump, or the same
scan under another name never runs OCR again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from base.settings import ocr_cache_dir
from ingest.readers import ocr
from ingest.readers.sandbox import run_isolated

PageProgress = Callable[[int, int], None]  # (pages done, pages to read)


def _key(content_sha256: str, page: int) -> str:
    return hashlib.sha256(f"{content_sha256}\0{page}\0{ocr.engine()}".encode()).hexdigest()


def _store(folder: Path, key: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, folder / f"{key}.txt")


def ocr_texts(
    path: Path,
    content_sha256: str,
    pages: tuple[int, ...],
    on_page: PageProgress | None = None,
    cache: Path | None = None,
) -> dict[str, str]:
    """{"page": text} for `pages` of the PDF at `path`, from the cache or by OCR."""
    folder = cache or ocr_cache_dir()
    texts: dict[str, str] = {}
    for done, page in enumerate(pages, 1):
        key = _key(content_sha256, page)
        cached = folder / f"{key}.txt"
        if cached.is_file():
            texts[str(page)] = cached.read_text(encoding="utf-8")
        else:
            text = run_isolated(ocr.ocr_page, os.fspath(path), page, timeout=ocr.PAGE_SECONDS)
            texts[str(page)] = str(text)
            _store(folder, key, str(text))
        if on_page:
            on_page(done, len(pages))
    return texts
