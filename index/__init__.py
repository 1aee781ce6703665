"""Indexing: embed chunks, store them in FAISS and BM25, search them."""
