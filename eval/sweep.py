"""Parameter sweeps for retrieval: chunk size, header, analyzer, fusion, abstention.

    python eval/sweep.py [chunking|header|analyzer|fusion|abstain|cv|all]

Indexes are built in memory from the real corpus with the default model on
the configured backend (CASECHAT_EMBED_BACKEND); passage and question vectors
are cached on disk (CASECHAT_SWEEP_CACHE, default
/tmp/casechat-sweep2-<backend>.pkl), so only the first run embeds. Every
setting is scored on the whole question set with the same code as
`casechat eval`; the results are discussed in eval/RESULTS.md.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from base.settings import DEFAULT_MODEL, Chunking, Settings
from casechat.evaluation import Question, Report, evaluate, load_questions
from casechat.metrics import Passages, first_relevant_rank
from index import analyze
from index.analyze import looks_english
from index.embed import backend_of, load_embedder
from index.fast_embed import selected_backend
from index.lexical import LexicalIndex
from index.manifest import Manifest
from index.search import AbstainRule, Evidence, Fusion, Searcher
from index.store import Snapshot, new_flat_index
from ingest.chunk import chunk_document
from ingest.pipeline import scan_corpus, to_document

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "questions.jsonl"


class CachedEmbedder:
    """The default model (on the configured backend) behind a persistent text -> vector cache."""

    def __init__(self) -> None:
        self.name = DEFAULT_MODEL
        self.backend = selected_backend()
        self.path = Path(
            os.environ.get("CASECHAT_SWEEP_CACHE", f"/tmp/casechat-sweep2-{self.backend}.pkl")
        )
        self._model = None
        self._cache: dict[tuple[str, str], np.ndarray] = {}  # (kind, text or batch hash)
        if self.path.exists():
            self._cache = pickle.loads(self.path.read_bytes())
        self.dim = self.model.dim if not self._cache else next(iter(self._cache.values())).shape[-1]

    @property
    def model(self):
        if self._model is None:
            self._model = load_embedder(DEFAULT_MODEL)
            assert backend_of(self._model) == self.backend
        return self._model

    def _save(self) -> None:
        self.path.write_bytes(pickle.dumps(self._cache))

    def embed_documents(self, texts, progress=None):
        # One call over the whole list, as a build makes it: the int8 backend's
        # vectors depend slightly on which texts share a batch.
        key = ("docs", hashlib.sha256("\0".join(texts).encode()).hexdigest())
        if key not in self._cache:
            self._cache[key] = self.model.embed_documents(list(texts))
            self._save()
        return self._cache[key]

    def embed_queries(self, texts):
        # One question per call, as the searcher asks.
        todo = [t for t in dict.fromkeys(texts) if ("query", t) not in self._cache]
        for text in todo:
            self._cache[("query", text)] = self.model.embed_queries([text])[0]
        if todo:
            self._save()
        return np.stack([self._cache[("query", t)] for t in texts])


@dataclass(frozen=True)
class Variant:
    """One index configuration: chunking, where the header goes, the analyzer."""

    chunking: Chunking = Chunking()
    header_dense: bool = True
    header_lexical: bool = True
    analyzer: analyze.Analyzer = analyze.Analyzer()


@contextmanager
def using(analyzer: analyze.Analyzer) -> Iterator[None]:
    saved = analyze.ANALYZER
    analyze.ANALYZER = analyzer
    try:
        yield
    finally:
        analyze.ANALYZER = saved


def build_snapshot(variant: Variant, embedder: CachedEmbedder) -> Snapshot:
    """An in-memory index of the real corpus for one variant."""
    sources, _ = scan_corpus(Settings.from_env().corpus_dir)
    documents = [to_document(s) for s in sources]
    chunks = [c for d in documents for c in chunk_document(d, variant.chunking)]
    dense_texts = [c.embed_text() if variant.header_dense else c.text for c in chunks]
    vectors = new_flat_index(embedder.dim)
    ids = np.array([c.chunk_id for c in chunks], np.int64)
    vectors.add_with_ids(embedder.embed_documents(dense_texts), ids)
    lexical_texts = [c.embed_text() if variant.header_lexical else c.text for c in chunks]
    lexical = LexicalIndex.build(list(ids), lexical_texts)
    manifest = Manifest(
        "", embedder.name, embedder.dim, variant.chunking.as_dict(), analyze.ANALYZER_VERSION
    )
    manifest.backend = embedder.backend
    return Snapshot(
        Path("/nonexistent"),
        manifest,
        vectors,
        {c.chunk_id: c for c in chunks},
        {d.source: d for d in documents},
        lexical,
    )


class Bench:
    """Scores settings on the question set, rebuilding the index only when it must."""

    def __init__(self, questions: Sequence[Question] | None = None) -> None:
        self.questions = list(questions or load_questions(QUESTIONS))
        self.embedder = CachedEmbedder()
        self._snapshots: dict[Variant, Snapshot] = {}

    def snapshot(self, variant: Variant) -> Snapshot:
        if variant not in self._snapshots:
            with using(variant.analyzer):
                self._snapshots[variant] = build_snapshot(variant, self.embedder)
        return self._snapshots[variant]

    def run(
        self,
        variant: Variant = Variant(),
        mode: str = "hybrid",
        fusion: Fusion | None = None,
        rule: AbstainRule | None = None,
        questions: Sequence[Question] | None = None,
    ) -> Report:
        searcher = Searcher(self.snapshot(variant), self.embedder, fusion, rule)
        with using(variant.analyzer):
            return evaluate(searcher, questions or self.questions, mode=mode, k=10)


def row(label: str, report: Report) -> str:
    m = report.metrics
    return (
        f"| {label} | {m['recall@1']:.3f} | {m['recall@3']:.3f} | {m['recall@5']:.3f} | "
        f"{m['recall@10']:.3f} | {m['mrr@10']:.3f} | {m['ndcg@10']:.3f} |"
    )


HEAD = "| setting | R@1 | R@3 | R@5 | R@10 | MRR@10 | nDCG@10 |\n|---|---|---|---|---|---|---|"
SIZES = (400, 550, 700, 750, 800, 850, 900, 1000, 1100)
OVERLAP = 0.175  # of the chunk size, as in the default 800/140


def sized(size: int, overlap: float = OVERLAP) -> Variant:
    return Variant(chunking=Chunking(size=size, overlap=round(size * overlap)))


def sweep_chunking(bench: Bench) -> None:
    print("### Chunk size (overlap 17.5 %), default fusion\n")
    print(HEAD.replace("setting", "size/overlap (chunks, mean chars) mode"))
    for size in SIZES:
        variant = sized(size)
        snap = bench.snapshot(variant)
        mean = np.mean([len(c.text) for c in snap.chunks.values()])
        for mode in ("dense", "bm25", "hybrid"):
            label = f"{size}/{variant.chunking.overlap} ({len(snap.chunks)}, {mean:.0f}) {mode}"
            print(row(label, bench.run(variant, mode=mode)), flush=True)
    print("\n### Overlap (hybrid)\n")
    print(HEAD)
    for size in (750, 800, 850, 900):
        for share in (0.1, 0.175, 0.25):
            variant = sized(size, share)
            print(row(f"{size}/{variant.chunking.overlap}", bench.run(variant)), flush=True)


def sweep_header(bench: Bench) -> None:
    print("### Contextual header (title, section, municipality) in the embedded/indexed text\n")
    print(HEAD)
    for dense, lexical in ((True, True), (False, True), (True, False), (False, False)):
        variant = Variant(header_dense=dense, header_lexical=lexical)
        for mode in ("dense", "bm25", "hybrid"):
            if (mode == "dense" and not lexical) or (mode == "bm25" and not dense):
                continue  # same as a row above
            label = (
                f"header dense={'on' if dense else 'off'} bm25={'on' if lexical else 'off'} {mode}"
            )
            print(row(label, bench.run(variant, mode=mode)), flush=True)


def sweep_analyzer(bench: Bench) -> None:
    print("### Analyzer variants\n")
    print(HEAD)
    base = analyze.Analyzer()
    variants = {
        "default (stem, fold, stop words, 4-grams)": base,
        "no æ/ø/å folding": replace(base, fold=False),
        "no stop words": replace(base, stop=False),
        "no stemming": replace(base, stem=False),
        "3-grams": replace(base, ngram=3),
        "5-grams": replace(base, ngram=5),
    }
    for label, analyzer in variants.items():
        variant = Variant(analyzer=analyzer)
        for mode in ("bm25", "hybrid"):
            print(row(f"{label} {mode}", bench.run(variant, mode=mode)), flush=True)
    no_grams = Fusion(ngrams=0.0, words=0.5)
    print(row("no n-gram field (words 0.5) hybrid", bench.run(fusion=no_grams)), flush=True)


def sweep_fusion(bench: Bench) -> None:
    print("### Fusion: convex combination of min-max normalized scores (MRR@10 / R@5)\n")
    dense_w = (0.3, 0.4, 0.5, 0.6, 0.7)
    gram_w = (0.0, 0.1, 0.2, 0.3)
    print("| dense \\ n-gram share of keywords | " + " | ".join(map(str, gram_w)) + " |")
    print("|---" * (len(gram_w) + 1) + "|")
    for d in dense_w:
        cells = []
        for g in gram_w:
            lex = 1 - d
            fusion = Fusion(dense=d, words=lex * (1 - g), ngrams=lex * g)
            m = bench.run(fusion=fusion).metrics
            cells.append(f"{m['mrr@10']:.3f} / {m['recall@5']:.3f}")
        print(f"| {d} | " + " | ".join(cells) + " |", flush=True)
    print("\n### Fusion: weighted reciprocal rank fusion (MRR@10 / R@5), n-grams 0.5\n")
    ks = (5, 10, 20, 60)
    print("| dense weight \\ RRF k | " + " | ".join(map(str, ks)) + " |")
    print("|---" * (len(ks) + 1) + "|")
    for d in (0.5, 0.75, 1.0, 1.5):
        cells = []
        for k in ks:
            fusion = Fusion(method="rrf", k=k, dense=d, words=1.0, ngrams=0.5)
            m = bench.run(fusion=fusion).metrics
            cells.append(f"{m['mrr@10']:.3f} / {m['recall@5']:.3f}")
        print(f"| {d} | " + " | ".join(cells) + " |", flush=True)


def _rule_rates(rows: list[dict], rule: AbstainRule) -> tuple[float, float]:
    un, an = [], []
    for r in rows:
        (un if r["unanswerable"] else an).append(bool(rule.reason("hybrid", r["evidence"])))
    return sum(un) / max(len(un), 1), sum(an) / max(len(an), 1)


def per_question(bench: Bench, variant: Variant, fusion: Fusion) -> list[dict]:
    """Rank and abstention evidence of every question (hybrid, before abstention)."""
    snap = bench.snapshot(variant)
    searcher = Searcher(snap, bench.embedder, fusion)
    passages = Passages({cid: c.text for cid, c in snap.chunks.items()})
    rows = []
    with using(variant.analyzer):
        for q in bench.questions:
            result = searcher.search(q.question, k=10)
            ids = [h.chunk.chunk_id for h in result.candidates]
            rank = (
                None if q.unanswerable else first_relevant_rank(ids, passages.relevant(q.answers))
            )
            evidence = Evidence(
                result.dense_top, result.coverage, looks_english(result.query), result.unknown
            )
            rows.append(
                {"id": q.id, "kind": q.kind, "unanswerable": q.unanswerable, "rank": rank,
                 "evidence": evidence}
            )  # fmt: skip
    return rows


RULE_GRID = {
    "confident_dense": (0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90),
    "min_coverage": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
}


def sweep_abstain(bench: Bench) -> None:
    rows = per_question(bench, Variant(), Fusion())
    for names_rule in (True, False):
        title = "with" if names_rule else "without"
        print(f"\n### Abstention {title} the unknown-names rule (hybrid, min_dense 0.78)\n")
        print("Cells: share of unanswerable questions abstained / answerable questions wrongly")
        print("abstained (count of 92).\n")
        covs = RULE_GRID["min_coverage"]
        print("| confident_dense \\ min_coverage | " + " | ".join(map(str, covs)) + " |")
        print("|---" * (len(covs) + 1) + "|")
        for conf in RULE_GRID["confident_dense"]:
            cells = []
            for cov in covs:
                rule = AbstainRule(confident_dense=conf, min_coverage=cov, unknown_names=names_rule)
                un, an = _rule_rates(rows, rule)
                cells.append(f"{un:.1f} / {round(an * sum(not r['unanswerable'] for r in rows))}")
            print(f"| {conf} | " + " | ".join(cells) + " |")
    print("\n| min_dense | abstain unanswerable | abstain answerable |\n|---|---|---|")
    for md in (0.74, 0.76, 0.78, 0.80, 0.82):
        un, an = _rule_rates(rows, AbstainRule(min_dense=md))
        print(f"| {md} | {un:.2f} | {an:.3f} |")


def _scores(rows: list[dict]) -> tuple[float, float]:
    ranks = [r["rank"] for r in rows if not r["unanswerable"]]
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    r5 = sum(1 for r in ranks if r and r <= 5) / len(ranks)
    return mrr, r5


def _folds(questions: Sequence[Question], k: int, seed: int = 7) -> list[set[str]]:
    """k folds, stratified by question kind."""
    rng = random.Random(seed)
    folds: list[set[str]] = [set() for _ in range(k)]
    by_kind: dict[str, list[str]] = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q.id)
    i = 0
    for kind in sorted(by_kind):
        ids = by_kind[kind]
        rng.shuffle(ids)
        for qid in ids:
            folds[i % k].add(qid)
            i += 1
    return folds


CV_SIZES = (550, 700, 800, 900, 1000)
CV_DENSE = (0.3, 0.4, 0.5, 0.6, 0.7)
CV_GRAMS = (0.0, 0.1, 0.2, 0.3)


def _neighbours(grid: dict[tuple, object], key: tuple, steps: tuple[float, ...]) -> list:
    """The grid points within one step of `key` on every axis (itself included)."""
    return [
        value
        for other, value in grid.items()
        if all(abs(a - b) <= step + 1e-9 for a, b, step in zip(key, other, steps, strict=True))
    ]


def _pick(grid: dict[tuple, object], score, steps: tuple[float, ...] | None) -> tuple:
    """The best key by `score`, or by its mean over the neighbours (a flat region)."""
    if steps is None:
        return max(grid, key=lambda key: score(grid[key]))
    return max(
        grid,
        key=lambda key: float(np.mean([score(v) for v in _neighbours(grid, key, steps)])),
    )


def cross_validate(bench: Bench, k: int = 5) -> None:
    """Tune chunk size, fusion weights and the rule on k-1 folds; measure on the held-out fold.

    Two ways to choose: the plain best setting on the training folds, and the
    setting whose neighbourhood in the grid is best on average (a flat region,
    which is how the defaults were chosen).
    """
    configs: dict[tuple, dict[str, dict]] = {}
    for si, size in enumerate(CV_SIZES):
        for d in CV_DENSE:
            for g in CV_GRAMS:
                fusion = Fusion(dense=d, words=(1 - d) * (1 - g), ngrams=(1 - d) * g)
                rows = per_question(bench, sized(size), fusion)
                configs[(si, d, g)] = {r["id"]: r for r in rows}
    rules = {
        (c, v, n): AbstainRule(confident_dense=c, min_coverage=v, unknown_names=n)
        for c in RULE_GRID["confident_dense"]
        for v in RULE_GRID["min_coverage"]
        for n in (1, 0)
    }
    folds = _folds(bench.questions, k)
    for how, steps, rule_steps in (
        ("best setting", None, None),
        ("best neighbourhood", (1, 0.1, 0.1), (0.01, 0.05, 0)),
    ):
        print(f"\n### {k}-fold cross-validation, choosing the {how} on the training folds\n")
        print("| fold | size, dense, n-gram share | rule (conf, cov, names) | MRR@10 | R@5 |"
              " abstain unanswerable | abstain answerable |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        pooled: list[dict] = []
        for i, test in enumerate(folds):

            def ranking_score(table: dict[str, dict], test=test) -> float:
                return sum(_scores([r for q, r in table.items() if q not in test]))

            key = _pick(configs, ranking_score, steps)
            train = [r for q, r in configs[key].items() if q not in test]

            def rule_score(rule: AbstainRule, train=train) -> float:
                un, an = _rule_rates(train, rule)
                return un - an if an <= 0.05 else -1.0

            rule = rules[_pick(rules, rule_score, rule_steps)]
            held = [r for q, r in configs[key].items() if q in test]
            pooled.extend(
                {**r, "abstained": bool(rule.reason("hybrid", r["evidence"]))} for r in held
            )
            mrr, r5 = _scores(held)
            un, an = _rule_rates(held, rule)
            print(
                f"| {i + 1} | {CV_SIZES[key[0]]}, {key[1]}, {key[2]} | ({rule.confident_dense}, "
                f"{rule.min_coverage}, {rule.unknown_names}) | {mrr:.3f} | {r5:.3f} | "
                f"{un:.2f} | {an:.3f} |"
            )
        mrr, r5 = _scores(pooled)
        un = [r["abstained"] for r in pooled if r["unanswerable"]]
        an = [r["abstained"] for r in pooled if not r["unanswerable"]]
        print(
            f"| pooled held-out | | | {mrr:.3f} | {r5:.3f} | {sum(un) / len(un):.2f} | "
            f"{sum(an) / len(an):.3f} |"
        )


SWEEPS = {
    "chunking": sweep_chunking,
    "header": sweep_header,
    "analyzer": sweep_analyzer,
    "fusion": sweep_fusion,
    "abstain": sweep_abstain,
    "cv": cross_validate,
}


def main() -> None:
    names = sys.argv[1:] or ["all"]
    bench = Bench()
    for name in SWEEPS if names == ["all"] else names:
        if name not in SWEEPS:
            raise SystemExit(f"Ukendt sweep '{name}'. Vælg blandt: {', '.join(SWEEPS)}, all.")
        SWEEPS[name](bench)
        print()


if __name__ == "__main__":
    main()
