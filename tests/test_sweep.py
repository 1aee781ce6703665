"""The sweeps' index variants and their on-disk vector cache, with the hashing embedder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from base.settings import ROOT, Chunking, Settings
from index import analyze
from index.analyze import ANALYZER
from index.encoder import HashingEmbedder
from tools.evaluation import load_questions
from tools.sweep.cache import CachedEmbedder
from tools.sweep.variants import Runner, Variant


def cached(path: Path, fake: HashingEmbedder) -> CachedEmbedder:
    return CachedEmbedder(path, model=fake.name, backend="", load=lambda: fake)


def test_cached_embedder_embeds_each_text_once_across_calls_and_runs(tmp_path: Path) -> None:
    path = tmp_path / "cache.pkl"
    fake = HashingEmbedder()
    first = cached(path, fake)
    a = first.embed_documents(["alfa beta", "gamma", "alfa beta"])
    first.embed_documents(["gamma", "delta"])
    q = first.embed_queries(["hvad er alfa?", "hvad er alfa?"])
    assert fake.documents_seen == ["alfa beta", "gamma", "delta"]
    assert fake.queries_seen == ["hvad er alfa?"]
    assert np.array_equal(a[0], a[2]) and np.array_equal(q[0], q[1])

    again = HashingEmbedder()
    second = cached(path, again)  # a new run: everything comes from the file
    b = second.embed_documents(["alfa beta", "gamma", "delta"])
    second.embed_queries(["hvad er alfa?"])
    assert again.documents_seen == [] and again.queries_seen == []
    assert np.array_equal(b[:2], a[:2]) and second.dim == fake.dim


def test_a_cache_of_another_layout_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "cache.pkl"
    path.write_bytes(b"not a pickle")
    fake = HashingEmbedder()
    cached(path, fake).embed_documents(["alfa"])
    assert fake.documents_seen == ["alfa"]


@pytest.fixture
def runner(tmp_path: Path):
    fake = HashingEmbedder()
    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=tmp_path / "unused", model="hashing")
    questions = load_questions(ROOT / "eval" / "questions.jsonl")[:12]
    with Runner(questions, cached(tmp_path / "cache.pkl", fake), settings) as r:
        yield r, fake


def test_variants_are_built_indexes_and_share_the_cache(runner) -> None:
    r, fake = runner
    base = r.run(Variant(), mode="hybrid")
    assert base.n > 0
    # A lexical variant re-indexes the built chunks: nothing new is embedded.
    embedded = len(fake.documents_seen)
    for variant in (
        Variant(header_lexical=False),
        Variant(analyzer=replace(ANALYZER, ngram=3)),
        Variant(analyzer=replace(ANALYZER, stem=False)),
    ):
        r.run(variant, mode="bm25")
    assert len(fake.documents_seen) == embedded
    # Without the dense header the passages themselves are embedded, each once.
    r.run(Variant(header_dense=False))
    r.run(Variant(chunking=Chunking(size=700, overlap=122)))
    assert len(fake.documents_seen) == len(set(fake.documents_seen)) > embedded
    assert not any(t.startswith("Titel: ") for t in fake.documents_seen[embedded:][:5])


def test_analyzer_variants_are_parameters_not_globals(runner) -> None:
    r, _ = runner
    searcher = r.searcher(Variant(analyzer=replace(ANALYZER, ngram=3)))
    assert searcher.snapshot.lexical.analyzer.ngram == 3
    assert analyze.ANALYZER is ANALYZER and ANALYZER.ngram == analyze.NGRAM
    default = r.searcher(Variant()).snapshot.lexical
    q = "digital ledelse i kommunen"
    assert not np.array_equal(default.scores(q)[1], searcher.snapshot.lexical.scores(q)[1])
