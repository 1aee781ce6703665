"""Hostile questions: each is answered, or refused with a Danish message; none crashes.

Checked through Searcher.search, the chat's Responder (what the web app calls) and the
CLI. Over-long questions are cut to MAX_QUERY_CHARS; the slow test checks what the real
model then reads (index/search.py states the rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from typer.testing import CliRunner

from answer.search import MAX_QUERY_CHARS, Searcher, clean_query
from base.errors import QueryError
from base.settings import DEFAULT_MODEL, Settings
from casechat.answer import GENERIC_ERROR, NO_PASSAGES, Responder
from casechat.wording import notices
from cli import app
from index.encoder import HashingEmbedder
from index.store import Snapshot, load_snapshot

PLAIN = "Hvordan arbejder Viborg med digital ledelse?"
EMPTY = "Skriv et spørgsmål – feltet er tomt."
NO_WORDS = "Spørgsmålet indeholder ingen ord, der kan søges på. Prøv med ord."

#: (id, question, what must happen): "empty"/"no words" = that Danish QueryError;
#: "plain" = searched exactly as PLAIN; "abstain" = searched, no confident answer (verdict
#: none, or nearest with its note: a question in another script can be near the cases'
#: subject for a multilingual model); "answer" = hits.
CASES = [
    ("empty", "", "empty"),
    ("whitespace", " \t\n\u3000\xa0 ", "empty"),
    ("only-control", "\x00\x01\x1b\x7f\u200b", "empty"),
    ("emoji-only", "🤖🚀💡👍🏽", "no words"),
    ("punctuation", "?!… --- ***", "no words"),
    ("nul-and-control", "Hvordan\x00 arbejder\x07 Viborg\x1b med digital\r\nledelse?", "plain"),
    ("rtl-override", "\u202eHvordan arbejder Viborg med digital ledelse?\u202c", "plain"),
    ("rtl-marks", "\u200fHvordan arbejder Viborg\u200f med digital ledelse?\u061c", "plain"),
    ("bidi-isolates", "\u2067Hvordan arbejder Viborg med digital ledelse?\u2069", "plain"),
    ("zero-width-bom", "\ufeffHvordan arbejder\u200b Viborg med digital\u2060 ledelse?", "plain"),
    ("lone-surrogate", "Hvordan \ud800arbejder Viborg med digital ledelse?\udcff", "plain"),
    ("emoji-and-words", "Hvordan arbejder Viborg 🤖 med digital ledelse? 🚀", "answer"),
    ("html-tags", "<b>Hvordan</b> arbejder Viborg med <i>digital</i> ledelse?", "answer"),
    ("script", "<script>alert('x')</script>", "abstain"),
    ("arabic", "ما هي القيادة الرقمية في البلديات؟", "abstain"),
    ("chinese", "市政府的数字化领导是什么？", "abstain"),
    ("cyrillic", "Что такое цифровое лидерство в муниципалитетах?", "abstain"),
    ("zalgo", "d̷̢i̵g̸i̴t̷a̶l̵ l̷e̶d̵e̷l̸s̵e̶", "abstain"),
]
IDS = [c[0] for c in CASES]


class StrictEmbedder(HashingEmbedder):
    """The fake model, but as strict as a real tokenizer: its input must be valid UTF-8."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        for text in texts:
            text.encode("utf-8")  # a lone surrogate raises here, as in `tokenizers`
        return super().embed_queries(texts)


@pytest.fixture(scope="module")
def snapshot(built_template: Settings) -> Snapshot:
    """The shared template index, only read here."""
    return load_snapshot(built_template.index_dir, model="hashing")


@pytest.fixture
def searcher(snapshot: Snapshot) -> Searcher:
    return Searcher(snapshot, StrictEmbedder())


@pytest.fixture
def cli_index(monkeypatch: pytest.MonkeyPatch, built_template: Settings) -> None:
    monkeypatch.setenv("CASECHAT_INDEX_DIR", str(built_template.index_dir))
    monkeypatch.setenv("CASECHAT_MODEL", "hashing")


def ids(result) -> list[int]:
    return [h.chunk.chunk_id for h in result.hits]


@pytest.mark.parametrize(("name", "question", "expect"), CASES, ids=IDS)
def test_each_hostile_question_is_answered_or_refused_in_danish(
    searcher: Searcher, name: str, question: str, expect: str
) -> None:
    if expect in ("empty", "no words"):
        with pytest.raises(QueryError) as info:
            searcher.search(question)
        assert str(info.value) == (EMPTY if expect == "empty" else NO_WORDS)
        return
    result = searcher.search(question)
    if expect == "plain":
        plain = searcher.search(PLAIN)
        assert result.query == PLAIN and ids(result) == ids(plain) and result.hits
    elif expect == "abstain":
        assert result.verdict in ("none", "nearest")
        assert result.hits == [] if result.verdict == "none" else notices(result)
    else:
        assert result.hits and not result.abstained
    if expect != "abstain":
        # no notice of a cut question or of names the cases lack: the hostile characters
        # leave nothing behind (the fake model may still make the passages only the nearest)
        assert not result.cut and result.unknown == ()


def test_emoji_and_markup_do_not_change_what_is_found(searcher: Searcher) -> None:
    plain = ids(searcher.search(PLAIN, k=5))
    assert ids(searcher.search("Hvordan arbejder Viborg 🤖 med digital ledelse? 🚀", k=5)) == plain
    tagged = "<b>Hvordan</b> arbejder Viborg med <i>digital</i> ledelse?"
    assert searcher.search(tagged).query == tagged  # searched as text; the chat escapes it


def test_a_100000_character_question_is_cut_with_a_notice(searcher: Searcher) -> None:
    question = (PLAIN + " ") * (100_000 // (len(PLAIN) + 1) + 1)
    assert len(question) > 100_000
    result = searcher.search(question)
    assert len(result.query) <= MAX_QUERY_CHARS and result.query.startswith(PLAIN)
    assert question[len(result.query)] == " ", "cut between words"
    assert notices(result).startswith(
        f"Spørgsmålet var meget langt; der er søgt på de første {len(result.query)} tegn."
    )
    assert searcher.embedder.queries_seen[-1] == result.query  # all the model is given
    assert result.hits


def test_one_long_word_is_cut_hard(searcher: Searcher) -> None:
    text, cut = clean_query("a" * 100_000)
    assert text == "a" * MAX_QUERY_CHARS and cut


@pytest.mark.parametrize(("name", "question", "expect"), CASES, ids=IDS)
def test_the_chat_responder_gives_a_danish_message_never_a_crash(
    searcher: Searcher, name: str, question: str, expect: str
) -> None:
    answer = Responder(searcher).answer(question)
    assert GENERIC_ERROR not in answer.html and "Traceback" not in answer.html
    if expect == "empty":
        assert EMPTY in answer.html
    elif expect == "no words":
        assert NO_WORDS in answer.html
    elif expect == "abstain":
        assert NO_PASSAGES in answer.html or 'class="cc-nearest"' in answer.html
    else:
        assert 'class="cc-card"' in answer.html
    assert "<script" not in answer.html


runner = CliRunner()


@pytest.mark.parametrize(("name", "question", "expect"), CASES, ids=IDS)
@pytest.mark.usefixtures("cli_index")
def test_the_cli_answers_or_refuses_in_one_danish_line(
    name: str, question: str, expect: str
) -> None:
    result = runner.invoke(app, ["search", question])
    assert "Traceback" not in result.output
    if expect in ("empty", "no words"):
        assert result.exit_code == 1
        assert result.stderr == f"Fejl: {EMPTY if expect == 'empty' else NO_WORDS}\n"
    elif expect == "abstain":
        assert result.exit_code == 0
        assert result.stdout == (
            "Jeg fandt ingen tekststykker i casene, der besvarer spørgsmålet.\n"
        ) or result.stdout.startswith("Casene svarer måske ikke præcist på dette")
    else:
        assert result.exit_code == 0
        # a note may come first (the fake model's passages can be only the nearest)
        first = result.stdout.split("\n", 1)[0]
        assert first.startswith(("[1] ", "Kort svar: »", "Casene svarer måske ikke"))
        assert "\n[1] " in "\n" + result.stdout


@pytest.mark.usefixtures("cli_index")
def test_the_cli_cuts_a_100000_character_question() -> None:
    result = runner.invoke(app, ["search", "digitalisering " * 7000, "-k", "1"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Spørgsmålet var meget langt; der er søgt på de første ")


@pytest.mark.slow
def test_what_the_real_model_reads_of_hostile_questions() -> None:
    """Every hostile question embeds; a cut Danish question fits e5's 512 tokens whole,
    scripts with more tokens than characters are truncated by the tokenizer at 512."""
    from index.encoder import load_embedder

    embedder = load_embedder(DEFAULT_MODEL)
    tokenizer = getattr(embedder, "tokenizer", None)
    for _, question, expect in CASES:
        if expect in ("empty", "no words"):
            continue
        vector = embedder.embed_queries([clean_query(question)[0]])
        assert vector.shape == (1, embedder.dim) and np.isfinite(vector).all()
    if tokenizer is None:
        pytest.skip("the embedder exposes no `tokenizers` tokenizer (torch backend)")
    danish = clean_query(
        "Hvordan har kommunerne arbejdet med digital ledelse og kompetencer? " * 50
    )
    chinese = clean_query("市政府的数字化领导是什么" * 200)
    tokenizer.no_truncation()
    try:
        whole = len(tokenizer.encode(embedder.query_prompt + danish[0]).ids)
        cjk = len(tokenizer.encode(embedder.query_prompt + "数" * MAX_QUERY_CHARS).ids)
    finally:
        tokenizer.enable_truncation(embedder.max_tokens)
    assert embedder.max_tokens == 512
    assert whole <= 512, "a cut Danish question is read whole"
    assert cjk > 512, "one token per character: the tokenizer must truncate"
    assert len(tokenizer.encode(embedder.query_prompt + "数" * MAX_QUERY_CHARS).ids) == 512
    assert len(tokenizer.encode(embedder.query_prompt + chinese[0]).ids) <= 512
