"""Plain text: decode Danish text in whatever encoding an office PC saved it."""

from __future__ import annotations

import codecs
import re

from base.errors import CorpusError
from ingest.readers.base import ReadDocument

FORMAT = "txt"
VERSION = 1

# C0 control characters that never occur in text (tab, newlines, form feed do).
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _refuse_binary(text: str) -> str:
    controls = len(_BINARY_CONTROL.findall(text))
    if controls > max(5, len(text) // 100):
        raise CorpusError("filen ser binær ud (mange kontroltegn), ikke som tekst")
    return text


def _decode_lines(data: bytes) -> str:
    """UTF-8 line by line, Windows-1252 for the lines that are not UTF-8.

    A text pasted together from an old Word export and a new editor has both
    encodings in one file; deciding per line keeps æ, ø and å right in each part.
    """
    parts, undefined = [], 0
    for line in data.splitlines(keepends=True):
        try:
            parts.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            part = line.decode("cp1252", errors="replace")
            undefined += part.count("\ufffd")
            parts.append(part)
    text = "".join(parts)
    if undefined > max(5, len(text) // 200):
        raise CorpusError("filen kan ikke læses som tekst (hverken UTF-8 eller Windows-1252)")
    return text


def decode_text(data: bytes) -> str:
    """Decode Danish text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Windows-1252 is a superset of Latin-1 for the printable range, so Word
    exports and old Latin-1 files both come out with correct æ, ø and å. A file
    that is not UTF-8 as a whole is decoded line by line (see `_decode_lines`).
    Binary files (NUL bytes, many control characters, undefined bytes) are refused.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Notepad's "Unicode"
        try:
            return _refuse_binary(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise CorpusError("filen er ikke gyldig UTF-16, selv om den starter som det") from exc
    if b"\x00" in data[:8192]:
        raise CorpusError("filen ser binær ud (indeholder NUL-bytes), ikke som tekst")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_lines(data)
    return _refuse_binary(text)


def read(data: bytes) -> ReadDocument:
    """The decoded text, unstructured: ingest/clean.py finds its paragraphs and headings."""
    return ReadDocument(text=decode_text(data))
