"""Index updates at scale, measured in a fresh process per code tree: full build, add one
document, remove one, each with its time and the process's peak RSS.

    python -m tools.bench.update --chunks 100000 --workdir /tmp/upd [--ann-threshold N]

Vectors come from the hashing embedder (instant), so the figures are the build's own
cost without embedding; add the real model's ~0.15 s per passage for the total
(bench/RESULTS.md). Run it with PYTHONPATH pointing at another checkout to measure
that code on the same corpus (before/after).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import time
from pathlib import Path

from answer.build import build_index
from base.settings import ROOT, Settings
from index.encoder import HashingEmbedder
from ingest.filestat import RACY_NS
from tools.bench.corpus import SentencePool, docs_for_chunks, generate_documents, write_corpus


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--step", choices=["full", "add", "remove"], required=True)
    args = parser.parse_args(argv)
    corpus = args.workdir / "corpus"
    settings = Settings(corpus_dir=corpus, index_dir=args.workdir / "index", model="hashing")
    pool = SentencePool.from_corpus(ROOT / "corpus")
    embedder = HashingEmbedder()
    if args.step == "full":
        shutil.rmtree(args.workdir, ignore_errors=True)
        n_docs = docs_for_chunks(pool, args.chunks, settings.chunking)
        write_corpus(generate_documents(pool, n_docs), corpus)
        # A library's files are older than the stat cache's trust margin; files written
        # this instant are hashed again by the next build (ingest/filestat.py RACY_NS).
        time.sleep(RACY_NS / 1e9 + 0.1)
    elif args.step == "add":
        n = len(list(corpus.glob("*.txt")))
        text, meta = generate_documents(pool, n + 1, seed=11)[-1]
        staged = write_corpus([(text, meta)], args.workdir / "staged")[0]
        shutil.move(str(staged), corpus / "added-document.txt")
    else:
        (corpus / "added-document.txt").unlink()
    started = time.perf_counter()
    report = build_index(settings, embedder, full=args.step == "full")
    seconds = time.perf_counter() - started
    out = {
        "step": args.step,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(_peak_mb()),
        "chunks_total": report.chunks_total,
        "chunks_embedded": report.chunks_embedded,
        "full": report.full,
        "ann_seconds": round(report.ann_seconds, 2),
    }
    print("UPDATE " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
