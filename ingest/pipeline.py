"""From a corpus folder to cleaned documents, reporting files that cannot be used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from casechat.errors import CorpusError
from ingest.clean import clean, is_furniture, normalize, strip_markup
from ingest.document import Document, DocumentMeta
from ingest.load import SourceFile, discover, is_corpus_file, read_source


@dataclass(frozen=True)
class Problem:
    """A corpus file that was skipped, and why (in Danish, for the person)."""

    source: str
    reason: str


def fallback_title(raw_text: str, source: str) -> str:
    """The text's first line, skipping web residue, dates and navigation above the title.

    Navigation (as in a saved web article) is a block of several short lines;
    a title is a line of its own.
    """
    first = None
    for para in re.split(r"\n\s*\n", normalize(raw_text)):
        lines = [strip_markup(ln.lstrip("#").strip()) for ln in para.split("\n")]
        lines = [ln for ln in lines if ln and not is_furniture(ln)]
        if not lines:
            continue
        first = first or lines[0]
        if len(lines) == 1 or any(len(ln.split()) > 5 for ln in lines):
            return lines[0][:120]
    return first[:120] if first else Path(source).stem


def to_document(src: SourceFile) -> Document:
    meta = src.meta or DocumentMeta(title=fallback_title(src.raw_text, src.source))
    cleaned = clean(src.raw_text, meta.title)
    if not cleaned.text.strip():
        raise CorpusError("filen indeholder ingen tekst efter rensning")
    return Document(
        source=src.source,
        text=cleaned.text,
        meta=meta,
        sha256=src.sha256,
        sections=cleaned.sections,
    )


def scan_corpus(corpus_dir: Path) -> tuple[list[SourceFile], list[Problem]]:
    """Read every usable file below `corpus_dir`; list the others with their reason."""
    sources, problems = [], []
    root = corpus_dir.resolve()
    for path in discover(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        if path.name.endswith(".meta.json"):
            continue
        if not is_corpus_file(path):
            problems.append(Problem(rel, f"filtypen {path.suffix or '(ingen)'} understøttes ikke"))
            continue
        if not path.resolve().is_relative_to(root):
            problems.append(Problem(rel, "filen peger uden for korpusmappen og læses ikke"))
            continue
        try:
            sources.append(read_source(path, corpus_dir))
        except CorpusError as exc:
            problems.append(Problem(rel, str(exc)))
        except OSError as exc:
            problems.append(Problem(rel, f"filen kan ikke læses: {exc.strerror or exc}"))
    return sources, problems
