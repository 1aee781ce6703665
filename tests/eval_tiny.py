"""A tiny real index (hashing embedder) and its question file, for the evaluation tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from answer.build import build_index
from answer.decision import AbstainRule
from answer.search import Searcher
from base.settings import Settings
from index.encoder import HashingEmbedder
from index.store import load_snapshot

TINY = {
    "kaffe.txt": (
        "Kaffe på rådhuset\n\nKommunen indførte en ny kaffemaskine i kantinen, og "
        "medarbejderne drikker nu mere kaffe om formiddagen end nogensinde før. "
        "Maskinen blev valgt efter en lang udbudsrunde med tre leverandører."
    ),
    "cykler.txt": (
        "Cykler i kommunen\n\nKommunen købte tyve elcykler til hjemmeplejen, så "
        "medarbejderne kan nå flere borgere uden bil. Elcyklerne lades op om natten "
        "i en ny cykelkælder under rådhuset."
    ),
}


def make_tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    """Two short documents indexed with the hashing embedder, and three questions about them."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model="hashing")
    build_index(settings, HashingEmbedder())
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "k", "question": "kaffemaskine kantinen", "answers": ["ny kaffemaskine i kantinen"]},
        {"id": "c", "question": "elcykler hjemmeplejen", "answers": ["tyve elcykler"]},
        {"id": "u", "question": "fodbold superliga", "answers": [], "unanswerable": True},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("CASECHAT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("CASECHAT_MODEL", "hashing")
    return settings, questions


def searcher(settings: Settings, rule: AbstainRule | None = None) -> Searcher:
    return Searcher(load_snapshot(settings.index_dir), HashingEmbedder(), rule=rule)
