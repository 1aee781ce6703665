"""Feedback: 👍/👎 posted to the API, kept as JSON lines, turned into candidate questions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from served import Served, serve_copy
from typer.testing import CliRunner

from base.settings import Settings
from casechat.feedback import FeedbackLog, Vote, candidates
from cli import app

ODENSE = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")


@pytest.fixture(scope="module")
def served(built_template: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = serve_copy(built_template, tmp_path_factory.mktemp("feedback"))
    yield running
    running.close()


def vote(served: Served, chunk_id, question: str, value: str) -> httpx.Response:
    body = {"chunk_id": chunk_id, "question": question, "vote": value}
    return httpx.post(served.url + "api/feedback", json=body, timeout=30)


def test_votes_round_trip_into_candidate_questions(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = httpx.get(served.url + "api/search", params={"question": ODENSE, "k": 3}).json()
    first, second, third = (r["chunk_id"] for r in rows["results"])
    # the browser sends the 64-bit id as the string from data-chunk
    assert vote(served, str(first), ODENSE, "up").status_code == 200
    assert vote(served, second, ODENSE, "up").status_code == 200
    assert vote(served, second, ODENSE, "down").status_code == 200  # changed their mind
    assert vote(served, third, ODENSE, "down").status_code == 200

    lines = served.settings.feedback_path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 4
    assert set(records[0]) == {
        "question", "chunk_id", "source", "sha256", "vote", "time", "best_sentence",
    }  # fmt: skip
    document = served.live.current().document(records[0]["source"])
    assert records[0]["chunk_id"] == first and records[0]["sha256"] == document.sha256

    monkeypatch.setenv("CASECHAT_FEEDBACK_FILE", str(served.settings.feedback_path))
    runner = CliRunner()
    listed = runner.invoke(app, ["feedback"])
    assert listed.exit_code == 0 and "4 vurderinger: 2 👍, 2 👎" in listed.stdout

    out = tmp_path / "kandidater.jsonl"
    made = runner.invoke(app, ["feedback", "--candidates", str(out)])
    assert made.exit_code == 0 and "1 kandidatspørgsmål" in made.stdout
    (candidate,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {"id", "question", "answers", "kind"} <= set(candidate)
    assert candidate["kind"] == "feedback" and candidate["question"] == ODENSE
    # only the passage still liked; its answer is a sentence quoted from it
    (answer,) = candidate["answers"]
    assert answer in served.live.current().chunk(first).text


def test_a_passage_can_be_named_by_its_text(served: Served) -> None:
    chunk = next(iter(served.live.current().snapshot.chunks.values()))
    body = {"passage": "  " + chunk.text.replace("\n", " \n ") + " ", "question": ODENSE}
    response = httpx.post(served.url + "api/feedback", json={**body, "vote": "down"}, timeout=30)
    assert response.status_code == 200 and response.json()["chunk_id"] == chunk.chunk_id


BAD = [
    ({"chunk_id": 1, "question": ODENSE, "vote": "up"}, "findes ikke"),
    ({"passage": "ingen passage har denne tekst", "question": ODENSE, "vote": "up"}, "findes"),
    ({"question": ODENSE, "vote": "up"}, "Angiv passagen"),
    ({"chunk_id": "abc", "question": ODENSE, "vote": "up"}, "chunk_id"),
    ({"chunk_id": 1, "question": ODENSE, "vote": "meh"}, "up"),
    ({"chunk_id": 1, "question": "", "vote": "up"}, "tomt"),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_a_bad_vote_is_refused_in_danish(served: Served, body: dict, message: str) -> None:
    response = httpx.post(served.url + "api/feedback", json=body, timeout=30)
    assert response.status_code == 422 and message in response.json()["fejl"]


def test_a_damaged_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    good = Vote("q?", 1, "a.txt", "ff", "up", "2025-01-01T00:00:00+00:00", "En sætning.")
    path.write_text(json.dumps(good.__dict__) + "\n{ikke json\n", encoding="utf-8")
    assert FeedbackLog(path).votes() == [good]
    assert candidates([good])[0]["answers"] == ["En sætning."]


def test_the_feedback_file_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(index_dir=Path("/x/index")).feedback_path == Path("/x/feedback.jsonl")
    monkeypatch.setenv("CASECHAT_FEEDBACK_FILE", "/y/votes.jsonl")
    assert Settings.from_env().feedback_path == Path("/y/votes.jsonl")
