"""Follow-up questions: "og i Odense?" builds on the previous question (casechat/followup.py)."""

from __future__ import annotations

import pytest

from answer.search import open_searcher
from base.settings import Settings
from casechat.answer import Responder
from casechat.followup import resolve
from index.encoder import HashingEmbedder

MUNIS = ["Odense", "Viborg", "Ringkøbing-Skjern", "København"]


@pytest.mark.parametrize(
    ("question", "previous", "searched"),
    [
        (
            "og i Odense?",
            "Hvordan har Viborg arbejdet med ledelse?",
            "Hvordan har Odense arbejdet med ledelse?",
        ),  # noqa: E501
        ("Hvad med Ringkøbing-Skjern?", "Hvad gjorde Viborg?", "Hvad gjorde Ringkøbing-Skjern?"),
        ("men i Koebenhavn?", "Hvad lærte Viborg af det?", "Hvad lærte København af det?"),
        ("og HR-afdelingen?", "Hvad gjorde Viborg?", "Hvad gjorde Viborg? HR-afdelingen"),
        (
            "og i Odense?",
            "Hvilke kompetencer mangler lederne?",
            "Hvilke kompetencer mangler lederne? i Odense",
        ),  # noqa: E501
        ("og i Odense?", None, "og i Odense?"),
        ("og hvad gjorde de så i Odense?", "Hvad gjorde Viborg?", "og hvad gjorde de så i Odense?"),
        ("Odense?", "Hvad gjorde Viborg?", "Odense?"),
        ("ogsaa Odense?", "Hvad gjorde Viborg?", "ogsaa Odense?"),
    ],
)
def test_short_followups_build_on_the_previous_question(
    question: str, previous: str | None, searched: str
) -> None:
    assert resolve(question, previous, MUNIS).question == searched


def test_responder_searches_the_combined_followup(built: Settings) -> None:
    responder = Responder(open_searcher(built, HashingEmbedder()))
    first = responder.answer("Hvordan har Viborg arbejdet med digital ledelse?")
    follow = responder.answer("og i Odense?", previous=first.searched)
    assert follow.searched == "Hvordan har Odense arbejdet med digital ledelse?"
    assert "opfølgende spørgsmål" in follow.html
