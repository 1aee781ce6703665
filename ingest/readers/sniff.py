"""Which reader a file needs, from its content; its name only breaks ties.

A file's extension can lie: a report saved as "rapport.pdf" that is really the
web page of a failed download, or a .docx renamed .txt. PDF and Word files are
recognized by their bytes and read as what they are; a .pdf or .docx that is
neither is refused, saying what it looks like. Plain text is never read as HTML
only because it contains a tag (the KL report's text has `<b>` in it).
"""

from __future__ import annotations

import re

from base.errors import CorpusError

#: Format by file suffix (lowercase).
SUFFIXES = {
    ".txt": "txt",
    ".md": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".odt": "odt",
    ".html": "html",
    ".htm": "html",
}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: .doc, .xls, encrypted Office files
_HTML = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_NAMES = {
    "pdf": "en PDF",
    "docx": "et Word-dokument",
    "pptx": "en PowerPoint-præsentation",
    "odt": "et OpenDocument-tekstdokument",
    "html": "en HTML-side",
    "txt": "tekst",
}
#: Formats recognized by their bytes alone: read as what they are, whatever the name.
BINARY = frozenset({"pdf", "docx", "pptx", "odt"})
_ODT_MIME = b"mimetypeapplication/vnd.oasis.opendocument.text"


def content_format(data: bytes) -> str:
    """'pdf', 'docx', 'pptx', 'odt', 'zip', 'ole', 'html' or 'text', from the bytes alone."""
    head = data[:1024]
    if b"%PDF-" in head:  # the header may follow a little junk, as PDF readers allow
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        central = data[-65536:] + data[:65536]
        if b"word/document.xml" in central and b"[Content_Types].xml" in central:
            return "docx"
        if b"ppt/presentation.xml" in central and b"[Content_Types].xml" in central:
            return "pptx"
        if _ODT_MIME in data[:200]:  # ODF stores its mimetype first, uncompressed
            return "odt"
        return "zip"
    if data.startswith(_OLE):
        return "ole"
    if _HTML.match(data[:4096].lstrip(b"\xef\xbb\xbf")):
        return "html"
    return "text"


def detect(data: bytes, suffix: str) -> str:
    """The format to read `data` as (a key of ingest/readers READERS), or CorpusError."""
    named = SUFFIXES.get(suffix.lower())
    if named is None:
        raise CorpusError(f"filtypen {suffix or '(ingen)'} understøttes ikke")
    found = content_format(data)
    if found in BINARY:
        return found  # binary formats are what their bytes say, whatever the name
    if found == "ole":
        raise CorpusError(
            "filen er i det gamle Office-format (.doc) eller krypteret med en adgangskode; "
            "gem den som .docx uden adgangskode"
        )
    if found == "zip":
        raise CorpusError("filen er et zip-arkiv, ikke et dokument casechat kan læse")
    if named in BINARY:
        looks = _NAMES["html" if found == "html" else "txt"]
        raise CorpusError(
            f"filen hedder {suffix}, men er ikke {_NAMES[named]} (den ligner {looks}); "
            "ret filens navn eller gem den igen"
        )
    return named
