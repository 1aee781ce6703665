"""The chat's HTML pieces: highlighting and the relevance label (casechat/chat_view.py)."""

from __future__ import annotations

from answer.search import Hit, Searcher
from casechat.cards import relevance
from casechat.html_text import highlight, question_terms
from index.fusion import Fusion


def test_highlight_matches_inflections_and_folded_spelling_as_whole_words() -> None:
    terms = question_terms("Hvordan udvikler lederne kompetencer i Koebenhavn?")
    marked = highlight("Ledernes kompetencerne i København; medlederskab <b>", terms)
    assert marked == (
        "<mark>Ledernes</mark> <mark>kompetencerne</mark> i <mark>København</mark>; "
        "medlederskab &lt;b&gt;"
    )


def test_highlight_marks_words_not_stems() -> None:
    terms = question_terms("Hvordan bager man en kage?")
    marked = highlight("Der er forskning bag. Bageren bagte kager.", terms)
    assert "<mark>bag</mark>" not in marked  # "bager" is no "bag", though both stem to "bag"
    assert "<mark>bagte</mark>" in marked and "<mark>kager</mark>" in marked


def _hit(score: float, rank: int, searcher: Searcher) -> Hit:
    chunk = next(iter(searcher.snapshot.chunks.values()))
    return Hit(chunk, searcher.snapshot.documents[chunk.source], score, rank)


def test_relevance_of_reciprocal_rank_fusion_reads_the_score_as_a_rank(searcher: Searcher) -> None:
    fusion = Fusion(method="rrf")
    weight = fusion.dense + fusion.words + fusion.ngrams
    assert relevance(_hit(weight / (fusion.k + 1), 1, searcher), fusion)[0] == "høj"
    assert relevance(_hit(weight / (fusion.k + 8), 2, searcher), fusion)[0] == "middel"
    # Found by the meaning search alone, even at its top: weak evidence.
    assert relevance(_hit(fusion.dense / (fusion.k + 1), 1, searcher), fusion)[0] == "lav"


def test_relevance_of_convex_fusion_is_the_share_of_the_best_score(searcher: Searcher) -> None:
    fusion = Fusion(method="convex")
    weight = fusion.dense + fusion.words + fusion.ngrams
    labels = [
        relevance(_hit(share * weight, 1, searcher), fusion)[0]
        for share in (1.0, 0.85, 0.84, 0.65, 0.64, 0.0)
    ]
    assert labels == ["høj", "høj", "middel", "middel", "lav", "lav"]
    assert relevance(_hit(0.9 * weight, 1, searcher), fusion)[1].startswith("samlet score 0,90")


def test_cards_are_titled_by_case_and_name_pages_and_groups(searcher: Searcher) -> None:
    from dataclasses import replace

    from casechat.cards import card_title, render_answer
    from casechat.html_text import pages_label

    result = searcher.search("Hvordan har Odense udviklet ledernes digitale kompetencer?", k=10)
    hit = next(h for h in result.candidates if h.chunk.municipalities == ("Odense",))
    assert card_title(hit.chunk, hit.document).startswith("Odense › ")
    paged = replace(hit.chunk, page_start=12, page_end=13)
    assert pages_label(paged) == "s. 12–13" and pages_label(hit.chunk) == ""
    twice = [replace(hit, rank=1), replace(hit, rank=2)]
    short = result.short_answer or ((hit.best,) if hit.best else ())  # verdict aside
    html = render_answer(twice, set(), None, short=short, note="En note.")
    assert "(2 passager fra Odense-casen)" in html
    assert html.index('class="cc-nearest"') < html.index('class="cc-short"') < html.index("cc-card")
    assert hit.document.meta.title in html  # the document title is in the meta line
