"""Large corpora for `casechat bench`, made from the real texts.

Sentences of the real corpus are recombined (fixed seed) into new documents with
real titles, municipalities and kinds, written as ordinary corpus files with sidecar
metadata, so a benchmark build runs the real loading, cleaning, chunking and BM25
code. Documents are generated in one sequence, so a smaller corpus is a prefix of a
larger one.

Their vectors: tools/bench/vectors.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from base.settings import Chunking
from ingest.pipeline import scan_corpus, to_document

#: A sentence ends at . ! or ? before a capital letter or an opening quote ("kl. 13.45"
#: and "1.250" stay whole).
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ\"„»(])")
#: Sentences shorter than this (headings, list stubs) are not recombined.
MIN_SENTENCE = 40
DOC_SENTENCES = (25, 60)  # sentences per generated document: ~4 to 12 chunks


def split_sentences(text: str) -> list[str]:
    """Sentences of a cleaned text, split at ., ! or ? followed by a capital or a quote."""
    out = []
    for para in text.split("\n"):
        out.extend(s.strip() for s in _SENTENCE.split(para) if s.strip())
    return out


@dataclass
class SentencePool:
    """The real corpus cut into sentences, and the metadata to dress new documents in."""

    sentences: list[str]
    metas: list[dict]

    @classmethod
    def from_corpus(cls, corpus_dir: Path) -> SentencePool:
        sources, _ = scan_corpus(corpus_dir)
        sentences: list[str] = []
        metas: list[dict] = []
        for src in sources:
            doc = to_document(src)
            sentences.extend(s for s in split_sentences(doc.text) if len(s) >= MIN_SENTENCE)
            metas.append(
                {
                    "title": doc.meta.title,
                    "municipalities": list(doc.meta.municipalities),
                    "date": doc.meta.date,
                    "kind": doc.meta.kind,
                }
            )
        return cls(sorted(set(sentences)), metas)


def generate_documents(pool: SentencePool, n_docs: int, seed: int = 7) -> list[tuple[str, dict]]:
    """``n_docs`` (text, metadata) pairs; the first k are the same for every n_docs >= k."""
    rng = np.random.default_rng(seed)
    docs = []
    for i in range(n_docs):
        meta = dict(pool.metas[int(rng.integers(len(pool.metas)))])
        meta["title"] = f"{meta['title']} (syntetisk {i + 1})"
        n = int(rng.integers(*DOC_SENTENCES))
        picks = rng.integers(len(pool.sentences), size=n)
        paragraphs, para = [], []
        for j, idx in enumerate(picks):
            para.append(pool.sentences[int(idx)])
            if len(para) >= 3 and (j % 4 == 3):
                paragraphs.append(" ".join(para))
                para = []
        if para:
            paragraphs.append(" ".join(para))
        docs.append(("\n\n".join(paragraphs) + "\n", meta))
    return docs


def write_corpus(docs: Sequence[tuple[str, dict]], folder: Path) -> list[Path]:
    """Write documents as ``gen-NNNNNN.txt`` files with ``.meta.json`` sidecars."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (text, meta) in enumerate(docs):
        path = folder / f"gen-{i:06d}.txt"
        path.write_text(text, encoding="utf-8")
        sidecar = path.with_name(path.name + ".meta.json")
        sidecar.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def docs_for_chunks(pool: SentencePool, n_chunks: int, chunking: Chunking, seed: int = 7) -> int:
    """How many generated documents make about ``n_chunks`` chunks (estimated from 200)."""
    from ingest.chunk import chunk_document
    from ingest.clean import clean
    from ingest.document import Document, DocumentMeta

    sample = generate_documents(pool, 200, seed)
    counts = []
    for i, (text, meta) in enumerate(sample):
        cleaned = clean(text, meta["title"])
        meta_ = DocumentMeta(meta["title"])
        doc = Document(f"s{i}", cleaned.text, meta_, f"{i}", cleaned.sections)
        counts.append(len(chunk_document(doc, chunking)))
    return max(1, round(n_chunks / float(np.mean(counts))))
