"""`python -m tools.bench.stages`: one fresh process from its first import to its first
answer, stage by stage; prints one line ``BENCH-JSON {...}``.

The index, corpus and model come from the environment (CASECHAT_INDEX_DIR, ...).
Only app-floor code is imported, each import timed where it first happens, so
this module imports nothing heavy at the top.
"""

from __future__ import annotations

import json
import sys
import time

PREFIX = "BENCH-JSON "
QUESTION = "Hvordan arbejder kommunen med digital ledelse?"


def stages() -> dict[str, float | bool]:
    """Seconds for import, model, index, searcher and first search, in this process."""
    t0 = time.perf_counter()
    out: dict[str, float | bool] = {}
    from answer.search import Searcher
    from base.settings import Settings
    from index.encoder import load_embedder
    from index.store import load_snapshot

    out["import_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    settings = Settings.from_env()
    embedder = load_embedder(settings.model)
    out["model_s"] = time.perf_counter() - t
    t = time.perf_counter()
    snapshot = load_snapshot(settings.index_dir, model=settings.model, chunking=settings.chunking)
    out["snapshot_s"] = time.perf_counter() - t
    t = time.perf_counter()
    searcher = Searcher(snapshot, embedder)
    out["searcher_s"] = time.perf_counter() - t
    t = time.perf_counter()
    searcher.search(QUESTION, k=3)
    out["first_search_s"] = time.perf_counter() - t
    out["ready_s"] = time.perf_counter() - t0
    out["torch_imported"] = "torch" in sys.modules
    return out


if __name__ == "__main__":
    print(PREFIX + json.dumps(stages()))
