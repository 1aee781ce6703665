"""Large corpora for `casechat bench`, made from the real texts, and their vectors.

Sentences of the real corpus are recombined (fixed seed) into new documents with
real titles, municipalities and kinds, written as ordinary corpus files with sidecar
metadata, so a benchmark build runs the real loading, cleaning, chunking and BM25
code. Documents are generated in one sequence, so a smaller corpus is a prefix of a
larger one.

Embedding 100k chunks with the real model would take hours on 2 cores, so most
vectors are *synthetic*: the normalized mean of the real vectors of the sentences a
chunk contains, plus a little noise. Texts embedded for real beforehand (the first
generated chunks) keep their real vectors. The benchmark reports how close synthetic
vectors come to real ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from base.settings import Chunking
from index.embed import Embedder, Progress
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


class SyntheticEmbedder:
    """Vectors for benchmark corpora: real where known, else built from sentence vectors.

    Looks like ``real`` to the index (same name, backend and dimension), so a later
    incremental build with the real embedder extends the index. Questions are always
    embedded by the real model. Counts what it synthesized.
    """

    def __init__(
        self,
        real: Embedder,
        sentence_vectors: dict[str, np.ndarray],
        known: dict[str, np.ndarray] | None = None,
        noise: float = 0.02,
    ) -> None:
        self.real = real
        self.name = real.name
        self.dim = real.dim
        self.backend = getattr(real, "backend", "")
        self.sentence_vectors = sentence_vectors
        self.known = known or {}
        self.noise = noise
        self.synthesized = 0
        self.reused = 0
        self._fallback = np.stack(list(sentence_vectors.values()))

    def _vector(self, text: str) -> np.ndarray:
        if text in self.known:
            self.reused += 1
            return self.known[text]
        self.synthesized += 1
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
        rng = np.random.default_rng(seed)
        body = text.split("\n\n", 1)[-1]  # without the Titel/Afsnit/Kommune header
        known = self.sentence_vectors
        found = [known[s] for s in split_sentences(body) if s in known]
        if not found:  # a chunk cut inside one long sentence: borrow a random one
            found = [self._fallback[int(rng.integers(len(self._fallback)))]]
        vec = np.mean(found, axis=0) + rng.normal(0.0, self.noise, self.dim)
        return (vec / np.linalg.norm(vec)).astype(np.float32)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, text in enumerate(texts):
            out[i] = self._vector(text)
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.embed_queries(texts)
