"""Markdown: decoded like plain text; the cleaner turns `#` headings into sections.

ingest/clean.py already reads markdown headings, bold and italics, so this
reader only decodes; keeping one cleaning path for .txt and .md keeps their
passages exactly as they were before the reader interface existed.
"""

from __future__ import annotations

from ingest.readers.base import ReadDocument
from ingest.readers.txt import decode_text

FORMAT = "md"
VERSION = 1


def read(data: bytes) -> ReadDocument:
    return ReadDocument(text=decode_text(data))
