"""The answer layer: from a ranking (index/) to the answer shown (evidence, verdict,
quotes). `open_searcher`, `Searcher`, `SearchResult` and `Hit` live in answer/search.py."""
