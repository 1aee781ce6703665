"""Safe corpus names and the file type of an upload, from its content.

An uploaded file's name is the person's, or an attacker's: `../../etc/passwd`,
`.hidden`, `C:\\x\\y.pdf`, `rapport.pdf.meta.json`, a name in NFD, a name 5,000
characters long. `safe_name` keeps the readable part (letters with æ, ø, å,
digits, `-`, `_`), NFC-normalized, and ends it with the suffix of the type
the bytes were recognized as (ingest/readers/sniff.py), so the build reads the
file as what it is and a sidecar (`.meta.json`) can never be named.
"""

from __future__ import annotations

import re
import unicodedata

from base.errors import CorpusError, LibraryError
from ingest.readers.sniff import BINARY, SUFFIXES, content_format, detect

#: The suffix a file of each format is stored with.
SUFFIX = {
    "txt": ".txt",
    "md": ".md",
    "pdf": ".pdf",
    "docx": ".docx",
    "pptx": ".pptx",
    "odt": ".odt",
    "html": ".html",
}
#: Longest stem kept (file systems allow 255 bytes; æ is 2 of them in UTF-8).
MAX_STEM = 100
#: Names the corpus walk passes over (ingest/load.py find_files): never given out.
RESERVED_STEMS = frozenset({"readme"})
SUPPORTED = ".txt, .md, .pdf, .docx, .pptx, .odt, .html"

_UNSAFE = re.compile(r"[^\w\-]+")
_DASHES = re.compile(r"-{2,}")


def base_name(original: str) -> str:
    """The last part of a path as any system writes it (`/`, `\\`), NFC, without controls."""
    name = unicodedata.normalize("NFC", original or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return re.split(r"[\\/]", name)[-1].strip()


def _split(name: str) -> tuple[str, str]:
    """(stem, suffix) with a trailing `.meta.json` dropped: it is no document's suffix."""
    lowered = name.lower()
    if lowered.endswith(".meta.json"):
        name = name[: -len(".meta.json")]
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem.strip("."):
        return name, ""
    return stem, "." + suffix.lower()


def safe_name(original: str, fmt: str) -> str:
    """A name for the corpus: readable, no path, not hidden, no `..`, ending in the
    suffix of `fmt`."""
    stem, _ = _split(base_name(original))
    stem = _UNSAFE.sub("-", stem.replace(".", "-"))
    stem = _DASHES.sub("-", stem).strip("-_")[:MAX_STEM].strip("-_")
    if not stem:
        stem = "dokument"
    if stem.casefold() in RESERVED_STEMS:
        stem += "-dokument"
    return stem + SUFFIX[fmt]


def suffix_of(original: str) -> str:
    """The suffix the person's file name claims (lowercase, "" for none)."""
    return _split(base_name(original))[1]


def sniff(data: bytes, original: str) -> str:
    """The format to store `data` as, from its bytes; the name only decides between
    text formats. LibraryError says what is wrong."""
    found = content_format(data)
    if found in BINARY:
        return found  # whatever the name says: the build reads it as what it is
    suffix = suffix_of(original)
    binary_names = {s for s, f in SUFFIXES.items() if f in BINARY}
    if found == "html" and suffix not in {".txt", ".md", *binary_names}:
        return "html"
    if found == "text" and suffix not in SUFFIXES:
        raise LibraryError(
            f"filtypen {suffix or '(ingen)'} understøttes ikke. casechat læser {SUPPORTED}; "
            "gem filen i et af dem og prøv igen"
        )
    try:
        return detect(data, suffix)
    except CorpusError as exc:
        raise LibraryError(str(exc)) from exc
