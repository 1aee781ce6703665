"""The sweeps that print one table each: chunking, header, analyzer, fusion, abstention."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from answer.decision import AbstainRule
from index.analyze import ANALYZER
from index.fusion import Fusion
from tools.evaluation import Report
from tools.evaluation.metrics import Passages, first_relevant_rank
from tools.sweep.variants import Runner, Variant, sized


def row(label: str, report: Report) -> str:
    m = report.metrics
    return (
        f"| {label} | {m['recall@1']:.3f} | {m['recall@3']:.3f} | {m['recall@5']:.3f} | "
        f"{m['recall@10']:.3f} | {m['mrr@10']:.3f} | {m['ndcg@10']:.3f} |"
    )


HEAD = "| setting | R@1 | R@3 | R@5 | R@10 | MRR@10 | nDCG@10 |\n|---|---|---|---|---|---|---|"
SIZES = (400, 550, 700, 750, 800, 850, 900, 1000, 1100)


def sweep_chunking(runner: Runner) -> None:
    print("### Chunk size (overlap 17.5 %), default fusion\n")
    print(HEAD.replace("setting", "size/overlap (chunks, mean chars) mode"))
    for size in SIZES:
        variant = sized(size)
        chunks = runner.chunks(variant)
        mean = np.mean([len(c.text) for c in chunks])
        for mode in ("dense", "bm25", "hybrid"):
            label = f"{size}/{variant.chunking.overlap} ({len(chunks)}, {mean:.0f}) {mode}"
            print(row(label, runner.run(variant, mode=mode)), flush=True)
    print("\n### Overlap (hybrid)\n")
    print(HEAD)
    for size in (750, 800, 850, 900):
        for share in (0.1, 0.175, 0.25):
            variant = sized(size, share)
            print(row(f"{size}/{variant.chunking.overlap}", runner.run(variant)), flush=True)


def sweep_header(runner: Runner) -> None:
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
            print(row(label, runner.run(variant, mode=mode)), flush=True)


def sweep_analyzer(runner: Runner) -> None:
    print("### Analyzer variants\n")
    print(HEAD)
    base = ANALYZER
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
            print(row(f"{label} {mode}", runner.run(variant, mode=mode)), flush=True)
    no_grams = Fusion(ngrams=0.0, words=0.5)
    print(row("no n-gram field (words 0.5) hybrid", runner.run(fusion=no_grams)), flush=True)


def sweep_fusion(runner: Runner) -> None:
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
            m = runner.run(fusion=fusion).metrics
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
            m = runner.run(fusion=fusion).metrics
            cells.append(f"{m['mrr@10']:.3f} / {m['recall@5']:.3f}")
        print(f"| {d} | " + " | ".join(cells) + " |", flush=True)


def rule_rates(rows: list[dict], rule: AbstainRule) -> tuple[float, float]:
    un, an = [], []
    for r in rows:
        (un if r["unanswerable"] else an).append(bool(rule.reason("hybrid", r["evidence"])))
    return sum(un) / max(len(un), 1), sum(an) / max(len(an), 1)


def per_question(runner: Runner, variant: Variant, fusion: Fusion) -> list[dict]:
    """Rank and abstention evidence of every question (hybrid, before abstention)."""
    searcher = runner.searcher(variant, fusion)
    passages = Passages({cid: c.text for cid, c in searcher.snapshot.chunks.items()})
    rows = []
    for q in runner.questions:
        result = searcher.search(q.question, k=10)
        ids = [h.chunk.chunk_id for h in result.candidates]
        rank = None if q.unanswerable else first_relevant_rank(ids, passages.relevant(q.answers))
        rows.append(
            {"id": q.id, "kind": q.kind, "unanswerable": q.unanswerable, "rank": rank,
             "evidence": result.evidence}
        )  # fmt: skip
    return rows


RULE_GRID = {
    "confident_dense": (0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90),
    "min_coverage": (0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
}


def sweep_abstain(runner: Runner) -> None:
    rows = per_question(runner, Variant(), Fusion())
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
                un, an = rule_rates(rows, rule)
                cells.append(f"{un:.1f} / {round(an * sum(not r['unanswerable'] for r in rows))}")
            print(f"| {conf} | " + " | ".join(cells) + " |")
    print("\n| min_dense | abstain unanswerable | abstain answerable |\n|---|---|---|")
    for md in (0.74, 0.76, 0.78, 0.80, 0.82):
        un, an = rule_rates(rows, AbstainRule(min_dense=md))
        print(f"| {md} | {un:.2f} | {an:.3f} |")
