"""Measure OCR on the seed cases: word accuracy, seconds per page, and retrieval.

Each case (corpus/) is set in a one-column PDF (tools/known_pdfs.py), then
  - scanned: every page rendered to an image at 200 dpi, no text layer;
  - photographed: the same turned 1°, blurred, with noise, as a JPEG of quality 50.
Both are read by casechat's own path (sandboxed reader, Tesseract per page;
ingest/ocr_pages.py) and compared with the known words (æøå and case kept; the
share of known words read, in order). With --eval, the text PDFs and the scanned
PDFs are each built into an index with the real model and `casechat eval` runs
on eval/questions.jsonl, so the MRR of the OCR'd cases is set beside the same
cases read from their text layer.

    python -m tools.ocr_accuracy --out test-artifacts/ocr [--eval]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from base.settings import CORPUS_ENV, INDEX_ENV, OCR_CACHE_ENV, ROOT
from ingest.pipeline import scan_corpus, to_document
from tools.known_pdfs import case_paragraphs, columns_pdf, photographed_pdf, scanned_pdf


def word_accuracy(known: str, read: str) -> float:
    a, b = re.findall(r"\w+", known), re.findall(r"\w+", read)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in matcher.get_matching_blocks()) / max(len(a), 1)


def _corpus(out: Path, kind: str, make) -> Path:
    folder = out / kind
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for txt in sorted((ROOT / "corpus").glob("*.txt")):
        pdf = folder / (txt.stem + ".pdf")
        pdf.write_bytes(make(columns_pdf(case_paragraphs(txt.name), ncols=1)))
        sidecar = txt.with_name(txt.name + ".meta.json")
        if sidecar.exists():
            shutil.copy(sidecar, pdf.with_name(pdf.name + ".meta.json"))
    return folder


def _read(folder: Path) -> dict[str, dict]:
    rows = {}
    sources, problems = scan_corpus(folder)
    assert not problems, problems
    for src in sources:
        started = time.perf_counter()
        doc = to_document(src)
        seconds = time.perf_counter() - started
        known = " ".join(case_paragraphs(Path(src.source).stem + ".txt"))
        rows[src.source] = {
            "pages": doc.page_count,
            "seconds": round(seconds, 1),
            "seconds_per_page": round(seconds / max(doc.page_count or 1, 1), 1),
            "words": len(re.findall(r"\w+", known)),
            "word_accuracy": round(word_accuracy(known, doc.text), 4),
        }
    return rows


def _summary(rows: dict[str, dict]) -> dict:
    words = sum(r["words"] for r in rows.values())
    pages = sum(r["pages"] for r in rows.values())
    return {
        "word_accuracy": round(
            sum(r["word_accuracy"] * r["words"] for r in rows.values()) / words, 4
        ),
        "pages": pages,
        "seconds_per_page": round(sum(r["seconds"] for r in rows.values()) / pages, 1),
    }


def _eval(folder: Path, index: Path) -> dict:
    env = {**os.environ, CORPUS_ENV: str(folder), INDEX_ENV: str(index)}
    casechat = [sys.executable, "-m", "cli"]
    subprocess.run([*casechat, "build"], env=env, check=True, cwd=ROOT, capture_output=True)
    done = subprocess.run(
        [*casechat, "eval", "--questions", str(ROOT / "eval" / "questions.jsonl"), "--json"],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "test-artifacts" / "ocr")
    parser.add_argument("--eval", action="store_true", help="MRR: text PDFs vs scanned PDFs")
    parser.add_argument("--scans-only", action="store_true", help="skip the photographed set")
    args = parser.parse_args()
    out = args.out.resolve()
    os.environ[OCR_CACHE_ENV] = str(out / "ocr-cache")
    result: dict = {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    for kind, make in (
        ("scanned", lambda data: scanned_pdf(data, dpi=200)),
        ("photographed", lambda data: photographed_pdf(data, dpi=200)),
    )[: 1 if args.scans_only else 2]:
        rows = _read(_corpus(out, kind, make))
        result[kind] = {"summary": _summary(rows), "cases": rows}
        print(kind, json.dumps(result[kind]["summary"]), flush=True)
    if args.eval:
        text_folder = _corpus(out, "text", lambda data: data)
        for kind, folder in (("text", text_folder), ("scanned", out / "scanned")):
            report = _eval(folder, out / f"index-{kind}")
            result.setdefault("eval", {})[kind] = report
            print(kind, "eval", json.dumps(report)[:400], flush=True)
    result["load_after"] = os.getloadavg()[0]
    (out / "ocr-accuracy.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
