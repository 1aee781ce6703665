"""The question file: the real set loads, broken lines are refused with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from base.errors import CasechatError
from base.settings import ROOT
from tools.evaluation import load_questions


def test_load_questions_reads_the_real_set_and_refuses_broken_lines(tmp_path: Path) -> None:
    real = load_questions(ROOT / "eval" / "questions.jsonl")
    assert len(real) == len({q.id for q in real}) > 0
    assert all(q.answers for q in real if not q.unanswerable)

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "ok"}\n{"question": "intet id"}\n', encoding="utf-8")
    with pytest.raises(CasechatError, match="Linje 2"):
        load_questions(bad)
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "x", "question": "a"}\n{"id": "x", "question": "b"}\n', "utf-8")
    with pytest.raises(CasechatError, match="to gange"):
        load_questions(dup)
    with pytest.raises(CasechatError, match="kan ikke læses"):
        load_questions(tmp_path / "missing.jsonl")
