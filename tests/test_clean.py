"""Cleaning: each kind of residue on the real corpus files and on small synthetic texts."""

from __future__ import annotations

import re
from functools import cache

import pytest
from conftest import CORPUS, HADERSLEV, KL_REPORT, VIBORG

from ingest.clean import clean, normalize
from ingest.document import Document
from ingest.load import read_source
from ingest.pipeline import to_document


@cache
def real(name: str) -> Document:
    """A cleaned document of the repository's corpus (documents are frozen: safe to share)."""
    return to_document(read_source(CORPUS / name, CORPUS))


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def headings(doc: Document) -> list[str]:
    return [s.heading for s in doc.sections]


# --- web-page leftovers ---------------------------------------------------------------


def test_real_viborg_loses_skip_link_and_navigation_above_the_title() -> None:
    raw = (CORPUS / VIBORG).read_text(encoding="utf-8")
    assert raw.startswith("Gå til hovedindhold")  # the residue is really there
    doc = real(VIBORG)
    assert doc.text.startswith(doc.meta.title)
    for residue in ("Gå til hovedindhold", "Nyhed", "Jura", "Digitalisering og teknologi"):
        assert residue not in paragraphs(doc.text)
        assert not any(line == residue for line in doc.text.split("\n"))
    # the "Indhold" label of the web page's contents box
    assert "Indhold" not in doc.text.split("\n")
    # the article's date below the title is content, not navigation
    assert "07. maj 2024" in paragraphs(doc.text)


def test_real_haderslev_loses_close_button_and_login() -> None:
    raw = (CORPUS / HADERSLEV).read_text(encoding="utf-8")
    assert "\n×\n" in raw and "Log ind" in raw
    doc = real(HADERSLEV)
    lines = doc.text.split("\n")
    assert "×" not in doc.text
    assert "Log ind" not in lines
    assert doc.text.endswith("Du kan tilmelde dig Kommunernes Digitaliseringstræf her!")


@pytest.mark.parametrize(
    "residue", ["Gå til hovedindhold", "Log ind", "×", "Spring til indhold", "Del artikel", "Menu"]
)
def test_synthetic_web_residue_paragraph_is_dropped(residue: str) -> None:
    body = "Kommunen har arbejdet med digital ledelse i tre år, og det har givet resultater."
    raw = f"{residue}\n\nMin titel\n\n{body}\n\n{residue}\n"
    text = clean(raw, "Min titel").text
    assert text == f"Min titel\n\n{body}"


def test_synthetic_residue_line_inside_a_paragraph_is_dropped() -> None:
    raw = "Log ind\nGå til hovedindhold\nMin titel\n\nBrødtekst der fortæller noget vigtigt."
    assert "Log ind" not in clean(raw, "Min titel").text
    assert "hovedindhold" not in clean(raw, "Min titel").text


def test_synthetic_navigation_lines_above_title_are_dropped_but_not_below() -> None:
    body = "Her står selve artiklen, som er lang nok til at være brødtekst og ikke navigation."
    raw = (
        "Nyhed\nDigitalisering og teknologi\nJura\n\nForside › Nyheder\n\n"
        f"Min titel\n\n{body}\n\nKort afsnit\n\n{body}"
    )
    text = clean(raw, "Min titel").text
    assert text.startswith("Min titel\n\n")
    for nav in ("Nyhed", "Jura", "Forside › Nyheder"):
        assert nav not in text
    # a short line after the title is a heading of the article, and stays
    assert "Kort afsnit" in paragraphs(text)


def test_synthetic_date_above_title_is_kept() -> None:
    raw = "Nyhed\n\n12. marts 2024\n\nMin titel\n\nBrødtekst, lang nok til at være et afsnit."
    text = clean(raw, "Min titel").text
    assert "Nyhed" not in text
    assert text.startswith("12. marts 2024\n\nMin titel")


def test_page_numbers_are_dropped() -> None:
    raw = "Første afsnit slutter her.\n\n12\n\nSide 13\n\nAndet afsnit begynder her."
    assert clean(raw).text == "Første afsnit slutter her.\n\nAndet afsnit begynder her."


# --- repeated title ---------------------------------------------------------------------


def test_real_kl_report_title_printed_twice_appears_once() -> None:
    raw = (CORPUS / KL_REPORT).read_text(encoding="utf-8")
    heading = "FREMTIDENS DIGITALE KOMPETENCER I KOMMUNERNE GODE KOMMUNALE CASES"
    assert raw.count(heading) == 2
    text = real(KL_REPORT).text
    assert text.lower().count(heading.lower()) == 1


def test_synthetic_title_repeated_later_appears_once() -> None:
    raw = (
        "# Min titel\n\n# Min titel\n\nFørste afsnit af teksten.\n\n"
        "Min titel\n\nAndet afsnit af teksten."
    )
    text = clean(raw, "Min titel").text
    assert text.count("Min titel") == 1
    assert text == "Min titel\n\nFørste afsnit af teksten.\n\nAndet afsnit af teksten."


# --- the <b> table of contents ----------------------------------------------------------


def test_real_kl_report_table_of_contents_is_gone() -> None:
    raw = (CORPUS / KL_REPORT).read_text(encoding="utf-8")
    assert "<b>" in raw and "## INDHOLD" in raw
    doc = real(KL_REPORT)
    assert "<b>" not in doc.text and "</b>" not in doc.text
    assert "Indhold" not in paragraphs(doc.text)
    # the contents line "NETVÆRKSdannelse" must not survive as text
    assert "NETVÆRKSdannelse" not in doc.text
    assert doc.text.count("Indledning") == 1  # the chapter heading, not the contents entry


def test_synthetic_table_of_contents_is_gone() -> None:
    raw = (
        "## INDHOLD\n\n<b>1.</b>\t<b>INDLEDNING</b>\t<b>1</b>\n"
        "<b>2.</b>\t<b>CASES</b>\t<b>3</b>\n\n"
        "## 1. INDLEDNING\n\nDette er indledningen, og den er den første del af rapporten."
    )
    text = clean(raw).text
    assert text == "1. Indledning\n\nDette er indledningen, og den er den første del af rapporten."


# --- page-break fragments ---------------------------------------------------------------


def test_real_kl_report_word_split_over_a_page_break_is_joined() -> None:
    raw = (CORPUS / KL_REPORT).read_text(encoding="utf-8")
    assert "medarbej-\n\ndere" in raw
    text = real(KL_REPORT).text
    assert "understøtte de medarbejdere, der er langt fremme" in text
    assert "medarbej-" not in text
    assert not any(p.startswith("dere") for p in paragraphs(text))


def test_real_kl_report_hyphen_break_continued_after_a_heading_box() -> None:
    raw = (CORPUS / KL_REPORT).read_text(encoding="utf-8")
    assert "ledere/med-\n\n### **Eksempel" in raw
    doc = real(KL_REPORT)
    joined = "Der var både tale om ledere/medarbejdere, der har it og digitalisering"
    assert joined in doc.text
    assert not any(p.startswith("arbejdere, der har it") for p in paragraphs(doc.text))
    # the box's heading and list stay, after the joined paragraph
    assert doc.text.index(joined) < doc.text.index("Modulerne")
    assert "- It-implementering og gevinstrealisering" in doc.text


def test_synthetic_hyphen_break_is_joined() -> None:
    raw = "Vi talte med mange medarbej-\n\ndere om forløbet, og de var glade."
    assert clean(raw).text == "Vi talte med mange medarbejdere om forløbet, og de var glade."


def test_synthetic_sentence_cut_by_page_break_is_joined_with_a_space() -> None:
    raw = "Forløbet gav lederne et fælles\n\nsprog om digitalisering."
    assert clean(raw).text == "Forløbet gav lederne et fælles sprog om digitalisering."


def test_synthetic_hyphen_break_continued_after_a_heading_box() -> None:
    raw = (
        "Deltagerne var både ledere og med-\n\n### **Boks med eksempel**\n\n"
        "- Første punkt i boksen\n- Andet punkt i boksen\n\n"
        "arbejdere fra alle forvaltninger i kommunen."
    )
    text = clean(raw).text
    assert paragraphs(text)[0] == (
        "Deltagerne var både ledere og medarbejdere fra alle forvaltninger i kommunen."
    )
    assert "Boks med eksempel" in paragraphs(text)
    assert text.endswith("- Første punkt i boksen\n- Andet punkt i boksen")


def test_finished_paragraph_is_not_joined_with_the_next() -> None:
    raw = "Dette afsnit slutter med et punktum.\n\nog dette starter med lille."
    assert paragraphs(clean(raw).text) == [
        "Dette afsnit slutter med et punktum.",
        "og dette starter med lille.",
    ]


def test_fragment_is_not_joined_with_a_capitalised_paragraph() -> None:
    raw = "En linje uden punktum\n\nEn ny sætning med stort begyndelsesbogstav."
    assert len(paragraphs(clean(raw).text)) == 2


# --- markdown markers -------------------------------------------------------------------


def test_real_kl_report_has_no_markdown_markers() -> None:
    text = real(KL_REPORT).text
    assert "**" not in text
    assert not re.search(r"^#", text, re.MULTILINE)
    assert not re.search(r"(?<!\w)\*\S|\S\*(?!\w)", text)
    assert "Version 1.0" in text  # was "Version **1.0**"
    assert "'digitaliseringen kommer, den er her allerede" in text  # was in *...*


def test_synthetic_markdown_is_stripped_and_headings_kept() -> None:
    raw = (
        "# Rapport\n\n## **OVERSKRIFT I VERSALER**\n\n"
        "Tekst med **fed** skrift og *kursiv* skrift, som fortsætter et stykke tid endnu, "
        "så afsnittet er langt nok til at være brødtekst under en overskrift i en rapport.\n\n"
        "### Underafsnit ###\n\nMere tekst, 3 * 4 = 12 og a*b er ikke kursiv."
    )
    cleaned = clean(raw, "Rapport")
    assert paragraphs(cleaned.text)[:2] == ["Rapport", "Overskrift i versaler"]
    assert "Tekst med fed skrift og kursiv skrift" in cleaned.text
    assert "3 * 4 = 12 og a*b er ikke kursiv." in cleaned.text
    assert [s.heading for s in cleaned.sections] == ["", "Overskrift i versaler", "Underafsnit"]


def test_normalize_removes_invisible_characters_and_unifies_newlines() -> None:
    raw = "Digi\u00adtali\u200bsering\r\nnæste\u00a0linje\tfane\x07"
    assert normalize(raw) == "Digitalisering\nnæste linje fane"
    # decomposed å (a + ring) becomes the single character
    assert normalize("a\u030a") == "å"


# --- sections ---------------------------------------------------------------------------


def test_real_kl_report_sections_are_chapter_and_subsection() -> None:
    found = headings(real(KL_REPORT))
    chapter2 = (
        "2. Fælles sprog og mindset for digitalisering og digital ledelse for alle ledere i to "
        "kommuner"
    )
    assert "1. Indledning" in found
    assert f"{chapter2} › Hvad var målet med forløbet?" in found
    chapter3 = "3. Borgerdretvet udvikling af medarbejdernes digitale kompetencer"
    subsection = "Hvor kom ideen til velfærdsteknologiske CV'er fra, og hvad var målet?"
    assert f"{chapter3} › {subsection}" in found
    assert f"{chapter3} › VT-teamet" in found  # "### **VT-teamet:**"
    chapter4 = [h for h in found if h.startswith("4. ")]
    assert "4. Lederudvikling med fokus på udsyn og netværks-dannelse › Modulerne" in chapter4
    # every subsection of chapter 4 is filed under chapter 4, none under chapter 3
    assert all(not h.startswith(chapter3) for h in chapter4)


def test_real_haderslev_sections() -> None:
    doc = real(HADERSLEV)
    found = headings(doc)
    assert "Trin for trin" in found
    section = doc.sections[found.index("Trin for trin")]
    body = doc.text[section.start : section.end]
    assert body.startswith("Trin for trin\n\nDen forestående digitale transformation")
    assert "Det fælles sprog åbner virkeligheden op" not in body  # the next heading


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_real_sections_tile_the_text(path) -> None:
    doc = real(path.name)
    assert doc.sections, "every document has at least one section"
    assert doc.sections[0].start == 0
    assert doc.sections[-1].end == len(doc.text)
    for before, after in zip(doc.sections, doc.sections[1:], strict=False):
        assert before.end <= after.start
        assert doc.text[before.end : after.start].strip() == ""
    for section in doc.sections:
        if section.heading:
            own = section.heading.split(" › ")[-1]
            assert doc.text[section.start : section.end].startswith(own)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_real_cleaned_text_is_plain_paragraphs(path) -> None:
    text = real(path.name).text
    assert "\n\n\n" not in text
    assert text == text.strip()
    assert not re.search(r"[ \t]\n|\n[ \t]", text), "no indentation or trailing blanks"
    assert "\r" not in text and "\ufeff" not in text and "\u00ad" not in text
