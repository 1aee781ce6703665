"""Tesseract OCR of one PDF page (Danish language data from Debian).

Runs in the reader's child process (ingest/readers/sandbox.py, so under its
time and memory limits): PDFium renders the page at `DPI`, the image goes to
`tesseract` on stdin, the text comes back on stdout. Tesseract comes from
Debian (`tesseract-ocr-dan`); `missing()` says in Danish what to install when
it is not there. The cache (ingest/ocr_pages.py) keeps Tesseract's own text;
`clean` prepares it for the PDF reader.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess

from base.errors import CorpusError

#: Danish only: with "dan+eng" Tesseract read whole Danish pages with its English model
#: ("opnaet", "kraever", "pa" for "opnået", "kræver", "på"; tools/ocr_accuracy.py). The
#: Danish model reads the English words of a Danish text (Latin letters) as well.
LANGUAGES = "dan"
DPI = 300
#: Wall-clock limit of one page's OCR (the child's own limit is set per page too).
PAGE_SECONDS = 120.0
INSTALL_HINT = "installér tesseract-ocr-dan"
_HYPHEN_END = re.compile(r"(\w)-$")
_BAR_FOR_I = re.compile(r"(?<![^\s(\"'])\|(?=\s+\w)")


@functools.cache
def missing() -> str | None:
    """None when Tesseract with Danish is installed, else what to do (Danish)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return f"kræver OCR ({INSTALL_HINT})"
    try:
        listed = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return f"kræver OCR ({INSTALL_HINT}); tesseract kunne ikke startes"
    langs = set((listed.stdout + listed.stderr).split())
    return None if "dan" in langs else f"kræver OCR ({INSTALL_HINT})"


@functools.cache
def engine() -> str:
    """Tesseract's version and languages: part of the OCR cache key."""
    binary = shutil.which("tesseract") or "tesseract"
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    first = (version.stdout or version.stderr).splitlines()[:1]
    return f"{first[0] if first else 'tesseract'} {LANGUAGES} {DPI}dpi"


def clean(text: str) -> str:
    """Tesseract's text made ready for the PDF reader: a lone "|" between words is the
    capital I that Tesseract reads as a bar in sans-serif type ("| januar"), and a word
    hyphenated at a line end gets PDFium's hyphen mark ('adgangs-' + 'koder' ->
    'adgangs' U+FFFE 'koder'), so the reader decides it like any other."""
    text = _BAR_FOR_I.sub("I", text)
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if out and _HYPHEN_END.search(out[-1]) and line[:1].islower():
            out[-1] = out[-1][:-1] + "\ufffe" + line
        else:
            out.append(line)
    return "\n".join(out)


def ocr_page(path: str, page: int) -> str:
    """In the child: the text of page `page` (1-based) of the PDF at `path`."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        image = pdf[page - 1].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        pdf.close()
    png = io.BytesIO()
    image.save(png, format="PNG")
    env = {"PATH": os.defpath, "OMP_THREAD_LIMIT": "1"}  # one thread: the machine is shared
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGES, "--psm", "3"],
            input=png.getvalue(),
            capture_output=True,
            timeout=PAGE_SECONDS,
            env=env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise CorpusError(f"kræver OCR ({INSTALL_HINT})") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise CorpusError(f"OCR af side {page} mislykkedes ({reason})")
    return done.stdout.decode("utf-8", "replace")  # as Tesseract read it; see `clean`
