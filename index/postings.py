"""Term-frequency postings of one field of one segment: the raw counts BM25 is made of.

Column-major (one posting list per term, rows sorted), like Lucene's postings:
``indptr[c]:indptr[c + 1]`` are the rows containing term ``terms[c]`` and their
counts. No score is stored, because BM25's IDF and average length depend on the
whole live library and are combined across segments at query time
(index/lexical.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

#: Rows tokenized per sparse batch while building (bounds the build's memory).
BATCH_ROWS = 4096


@dataclass
class Postings:
    """One field's postings: term list, column pointers, rows, counts, row lengths."""

    terms: list[str]
    indptr: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32 segment-local rows, column-major
    tf: np.ndarray  # int32 term counts, aligned with rows
    lengths: np.ndarray  # int32 tokens per row (BM25 document length)
    _vocab: dict[str, int] | None = field(default=None, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return len(self.lengths)

    @property
    def vocab(self) -> dict[str, int]:
        """term -> column (built on first use)."""
        if self._vocab is None:
            self._vocab = {t: c for c, t in enumerate(self.terms)}
        return self._vocab

    @classmethod
    def from_terms(cls, docs: Iterable[Sequence[str]]) -> Postings:
        """Count the terms of each row (a row may be empty)."""
        vocab: dict[str, int] = {}
        batches, lengths = [], array("i")
        cols, indptr = array("i"), array("q", [0])

        def flush() -> None:
            if len(indptr) > 1:
                data = np.ones(len(cols), np.int32)
                shape = (len(indptr) - 1, max(len(vocab), 1))
                m = sparse.csr_matrix(
                    (data, np.array(cols, np.int32), np.array(indptr, np.int64)), shape=shape
                )
                m.sum_duplicates()
                batches.append(m)
            del cols[:]
            del indptr[1:]

        for terms in docs:
            get = vocab.setdefault
            cols.extend([get(t, len(vocab)) for t in terms])
            indptr.append(len(cols))
            lengths.append(len(terms))
            if len(indptr) > BATCH_ROWS:
                flush()
        flush()
        width = max(len(vocab), 1)
        for m in batches:
            m.resize((m.shape[0], width))
        if batches:
            csc = sparse.vstack(batches, format="csr").tocsc()
        else:
            csc = sparse.csc_matrix((0, width), dtype=np.int32)
        csc.sort_indices()
        terms = sorted(vocab, key=vocab.__getitem__)
        return cls._from_csc(csc, terms, np.asarray(lengths, np.int32))

    @classmethod
    def _from_csc(cls, csc, terms: list[str], lengths: np.ndarray) -> Postings:
        indptr = np.asarray(csc.indptr, np.int64)[: len(terms) + 1]
        if len(terms) == 0:
            indptr = np.zeros(1, np.int64)
        end = int(indptr[-1])
        return cls(
            terms=terms,
            indptr=indptr,
            rows=np.asarray(csc.indices[:end], np.int32),
            tf=np.asarray(csc.data[:end], np.int32),
            lengths=lengths,
        )

    @classmethod
    def merge(cls, parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
        """One postings of the kept rows (bool mask per part) of several, rows in part order."""
        union: dict[str, int] = {}
        rows_out, cols_out, tf_out, lengths = [], [], [], []
        offset = 0
        for p, keep in parts:
            col_map = np.array([union.setdefault(t, len(union)) for t in p.terms], np.int64)
            row_map = np.cumsum(keep, dtype=np.int64) - 1 + offset
            col_of = np.repeat(np.arange(len(p.terms), dtype=np.int64), np.diff(p.indptr))
            kept = keep[p.rows]
            rows_out.append(row_map[p.rows[kept]])
            cols_out.append(col_map[col_of[kept]] if len(col_map) else col_of[kept])
            tf_out.append(np.asarray(p.tf)[kept])
            lengths.append(np.asarray(p.lengths)[keep])
            offset += int(keep.sum())
        terms = sorted(union, key=union.__getitem__)
        width = max(len(terms), 1)
        coo = sparse.coo_matrix(
            (np.concatenate(tf_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
            shape=(offset, width),
        )
        csc = coo.tocsc()
        csc.sort_indices()
        return cls._from_csc(csc, terms, np.concatenate(lengths).astype(np.int32))

    def save(self, folder: Path, name: str) -> list[str]:
        """Write ``<name>.npz`` and ``<name>.terms``; return the file names."""
        with (folder / f"{name}.npz").open("wb") as handle:
            np.savez(handle, indptr=self.indptr, rows=self.rows, tf=self.tf, lengths=self.lengths)
        (folder / f"{name}.terms").write_text("\n".join(self.terms), encoding="utf-8")
        return [f"{name}.npz", f"{name}.terms"]

    @classmethod
    def load(cls, folder: Path, name: str) -> Postings:
        with np.load(folder / f"{name}.npz") as arrays:
            indptr, rows, tf, lengths = (arrays[k] for k in ("indptr", "rows", "tf", "lengths"))
        text = (folder / f"{name}.terms").read_text(encoding="utf-8")
        terms = text.split("\n") if text else []
        if len(indptr) != len(terms) + 1 or len(rows) != len(tf) or int(indptr[-1]) != len(rows):
            raise ValueError(f"{name}: postings do not fit together")
        return cls(terms, indptr, rows, tf, lengths)
