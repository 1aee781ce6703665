"""`casechat bench`: what building and searching cost at 1k, 10k and 100k chunks.

Every comparison is measured side by side in one run and reported as a ratio,
because absolute times on a shared 2-core machine are noisy. One module per section:

- corpus.py, vectors.py: generated corpora from the real texts, and their vectors;
- embedding.py: throughput of plain fp32 ``encode`` vs the ONNX backends, fidelity;
- quality.py: retrieval quality of each backend's vectors on eval/questions.jsonl;
- scale.py: per corpus size: build, disk, load, memory, search latency, exact vs HNSW;
- startup.py (+ stages.py): a fresh process to its first answer, and `casechat chat`;
- add_document.py: one new document into the 10k-chunk index;
- report.py: the tables and the JSON; run.py: the order of it all.

Kept free of imports: `python -m tools.bench.stages` times its own imports.
"""
