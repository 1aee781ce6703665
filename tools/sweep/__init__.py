"""Parameter sweeps for retrieval: chunk size, header, analyzer, fusion, abstention.

    python -m tools.sweep [chunking|header|analyzer|fusion|abstain|cv|all]

Each variant is a real index of the real corpus, built with the default model on
the configured backend (CASECHAT_EMBED_BACKEND) into a temporary folder
(variants.py). Passage and question vectors are cached by text on disk
(CASECHAT_SWEEP_CACHE, default /tmp/casechat-sweep2-<backend>.pkl; cache.py), so
only the first run embeds. Every setting is scored on the whole question set
with the same code as `casechat eval`; the results are discussed in
eval/RESULTS.md. tables.py prints the sweeps, cv.py the cross-validation.
"""
