"""The chat's start-up work (casechat/startup.py): prepared in a worker thread, and the
index's checksums verified in the background, damage reported with what to do."""

from __future__ import annotations

import logging

import pytest

from answer.search import Searcher
from base.errors import CasechatError
from base.settings import Settings
from casechat.startup import prepare_in_background, verify_in_background
from index.encoder import HashingEmbedder
from index.store import load_snapshot


def test_prepared_in_a_worker_thread(built: Settings) -> None:
    live = prepare_in_background(built, HashingEmbedder).result(timeout=120)
    assert live.current().search("digital ledelse", k=1, mode="bm25").hits


def test_errors_are_raised_where_the_result_is_asked_for(settings: Settings) -> None:
    missing = Settings(settings.corpus_dir / "findes-ikke", settings.index_dir, model="hashing")
    with pytest.raises(CasechatError):
        prepare_in_background(missing, HashingEmbedder).result(timeout=120)


def test_checksums_are_verified_in_the_background(
    built: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    searcher = Searcher(load_snapshot(built.index_dir), HashingEmbedder())
    with caplog.at_level(logging.INFO, logger="casechat.startup"):
        verify_in_background(searcher).join(timeout=60)
    assert "kontrolsummer er i orden" in caplog.text
    (chunks,) = searcher.snapshot.path.glob("segments/*/chunks.jsonl")
    data = bytearray(chunks.read_bytes())
    data[0] ^= 0xFF  # the same size: only the checksum sees it
    chunks.write_bytes(bytes(data))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="casechat.startup"):
        verify_in_background(searcher).join(timeout=60)
    assert "chunks.jsonl" in caplog.text and "casechat build --full" in caplog.text
