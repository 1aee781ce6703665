"""File readers behind one interface (ingest/readers/base.py), one module per format.

`READERS` maps a format name to its module; `reader_id("pdf")` is "pdf@1",
the reader and its version as the index manifest records them. Plain text and
markdown are read in the build's own process; PDF, Word, PowerPoint, ODT and HTML parsers run
in a child process with a time and memory limit (ingest/readers/sandbox.py).
"""

from __future__ import annotations

from types import ModuleType

from ingest.readers import docx, html, markdown, odt, pdf, pptx, txt

READERS: dict[str, ModuleType] = {
    txt.FORMAT: txt,
    markdown.FORMAT: markdown,
    pdf.FORMAT: pdf,
    docx.FORMAT: docx,
    html.FORMAT: html,
    pptx.FORMAT: pptx,
    odt.FORMAT: odt,
}
#: Formats whose parsers see untrusted structure and run isolated.
ISOLATED = frozenset({pdf.FORMAT, docx.FORMAT, html.FORMAT, pptx.FORMAT, odt.FORMAT})
#: Largest file accepted per format, checked before the file is opened. Text is
#: bounded by what it costs to embed; a PDF report with images is often tens of MB
#: while its text is small (and bounded separately, base.MAX_TEXT_CHARS).
MAX_BYTES = {
    "txt": 20 * 1024 * 1024,
    "md": 20 * 1024 * 1024,
    "html": 20 * 1024 * 1024,
    "docx": 50 * 1024 * 1024,
    "odt": 50 * 1024 * 1024,
    "pptx": 100 * 1024 * 1024,  # slides carry images
    "pdf": 100 * 1024 * 1024,
}


def reader_id(fmt: str) -> str:
    """'pdf@1': the format and the version of its reader, read at call time."""
    return f"{fmt}@{READERS[fmt].VERSION}"
