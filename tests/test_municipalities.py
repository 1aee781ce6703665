"""Municipalities found in the text, against the official list of the 98."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS

from base.settings import Chunking
from ingest.chunk import chunk_document
from ingest.municipalities import about, canonical, count_mentions, mentions, municipalities
from ingest.pipeline import scan_corpus, to_document

SEED = Path(__file__).with_name("data") / "seed_chunks.json"
FILLER = "Her står der noget om digitalisering og ledelse i den offentlige sektor. " * 60


def test_the_list_holds_the_98_municipalities_once() -> None:
    found = municipalities()
    assert len(found) == 98
    assert len({m.code for m in found}) == len({m.name for m in found}) == 98
    assert "Christiansø" not in {m.name for m in found}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Københavns Kommune har valgt", "København"),
        ("i København og omegn", "København"),
        ("Ringkøbing-Skjern Kommune holdt en temadag", "Ringkøbing-Skjern"),
        ("Lyngby-Taarbæk er med", "Lyngby-Taarbæk"),
        ("på Ærø bor man godt", "Ærø"),
        ("Høje-Taastrup og Høje Taastrup", "Høje-Taastrup"),
        ("Frederiksbergs borgmester", "Frederiksberg"),
        ("Bornholms Regionskommune", "Bornholm"),
        ("Aarhus' nye strategi", "Aarhus"),
        ("i Århus", "Aarhus"),
        ("Herning-modellen bruges", "Herning"),
        ("Ikast-Brande Kommune", "Ikast-Brande"),
        ("Vi besøgte Vejen og Greve i juni.", "Vejen"),
        ("Vejen Kommune er med.", "Vejen"),
        ("Projektet i Lejre og Sorø", "Lejre"),
        ("HOLBÆK KOMMUNE", "Holbæk"),
        ("Faxe og Fanø", "Fanø"),
    ],
)
def test_names_and_their_forms_are_found(text: str, name: str) -> None:
    assert name in count_mentions(text)


@pytest.mark.parametrize(
    "text",
    [
        "Vejen til målet er lang.",  # the road
        "Greve Dracula kom forbi.",  # the earl, at a sentence start
        "En odder svømmede forbi, og vi skar en skive brød.",
        "Spejderne byggede lejre, og en varde stod på bakken.",
        "Ærøskøbing er en by.",
        "Klik på fanen og vælg Brande.",
        "Vi tog til Ry og Ikast.",  # towns, not municipalities
        "Faxekondi og Fanøboerne",
    ],
)
def test_ordinary_words_and_towns_are_no_mentions(text: str) -> None:
    assert count_mentions(text) == {}


def test_canonical_names() -> None:
    assert canonical("Københavns Kommune") == "København"
    assert canonical("bornholms regionskommune") == "Bornholm"
    assert canonical("Ry") is None


def test_a_document_is_about_its_most_named_municipalities() -> None:
    text = "Herning Kommune " * 6 + "Odense " * 3 + "Aarhus " + FILLER
    assert about(text) == ("Herning", "Odense")  # Aarhus, named once, is a passing mention


def test_the_title_counts_and_short_texts_need_one_mention() -> None:
    assert about("Aarhus " + FILLER, title="Nyt fra Viborg Kommune") == ("Viborg",)
    assert about("Kort nyt: Kolding Kommune åbner et nyt borgerservice.") == ("Kolding",)
    assert about(FILLER) == ()


def test_unknown_sidecar_names_match_as_substrings() -> None:
    assert mentions("Region Midtjyllands plan", "Region Midtjylland")
    assert not mentions("Ærøskøbing", "Ærø")


def test_found_in_a_text_without_sidecar(tmp_path: Path) -> None:
    text = "Digital ledelse i Silkeborg\n\n" + ("Silkeborg Kommune har uddannet ledere. " * 3)
    (tmp_path / "case.txt").write_text(text + FILLER, encoding="utf-8")
    (src,), _ = scan_corpus(tmp_path)
    assert to_document(src).meta.municipalities == ("Silkeborg",)


def test_the_seed_texts_give_exactly_the_passages_they_gave_before() -> None:
    """Chunk texts, sections, offsets and municipalities, as dumped before the readers."""
    want = json.loads(SEED.read_text(encoding="utf-8"))
    sources, problems = scan_corpus(CORPUS)
    assert problems == [] and [s.source for s in sources] == [w["source"] for w in want]
    for src, expected in zip(sources, want):
        doc = to_document(src)
        assert doc.sha256 == expected["sha256"]
        assert list(doc.meta.municipalities) == expected["municipalities"]
        assert [[s.heading, s.start, s.end] for s in doc.sections] == expected["sections"]
        records = [c.to_record() for c in chunk_document(doc, Chunking())]
        assert all(r.pop("page_start") is None and r.pop("page_end") is None for r in records)
        assert records == expected["chunks"]
