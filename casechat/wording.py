"""Danish wording of what the search decided, shared by the chat and the CLI.

The search layer gives codes (a decision reason, a cut question); this is
where they become sentences for people.
"""

from __future__ import annotations

from answer.decision import NEAREST, NONE
from answer.search import SearchResult
from casechat.html_text import case_label

NO_PASSAGES = "Jeg fandt ingen passager i casene, der besvarer spørgsmålet."


def quoted_list(items: tuple[str, ...] | list[str], limit: int = 3) -> str:
    """»a«, »b« og »c« (at most `limit` items)."""
    quoted = [f"»{item}«" for item in list(items)[:limit]]
    if not quoted:
        return ""
    return " og ".join(filter(None, [", ".join(quoted[:-1]), quoted[-1]]))


def cut_notice(result: SearchResult) -> str:
    """The notice that a long question was cut, or ""."""
    if not result.cut:
        return ""
    return f"Spørgsmålet var meget langt; der er søgt på de første {len(result.query)} tegn."


NEAREST_TAIL = "her er de passager, der ligger nærmest."
NEAREST_NOTE = "Casene svarer måske ikke præcist på dette – " + NEAREST_TAIL
DETAIL_NOTE = "Casene nævner ikke det tal, beløb eller tidspunkt, du spørger om – " + NEAREST_TAIL


def place_notice(result: SearchResult) -> str:
    """The note that none of the shown passages is about a municipality the question
    names, and where the nearest are from ("" when they are, or nothing is shown)."""
    missing = list(result.places.missing)
    if not missing or not result.hits:
        return ""
    names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " eller " + missing[-1]
    nearest = case_label(result.hits[0].chunk, result.hits[0].document)
    return f"Ingen af passagerne handler om {names} – her er det nærmeste fra {nearest}."


def reason_notice(result: SearchResult) -> str:
    """What a person should know about the passages shown: a named municipality none of
    them is about, unknown names, or that they are only the nearest ("" for a plain
    answer and for verdict none)."""
    decision = result.decision
    if decision.verdict == NONE:
        return ""
    places = place_notice(result)
    if places:
        other = _other_notice(result)
        return f"{places} {other}" if other and other != NEAREST_NOTE else places
    return _other_notice(result)


def _other_notice(result: SearchResult) -> str:
    decision = result.decision
    names = f"Casene nævner ikke {quoted_list(result.unknown)}" if result.unknown else ""
    if decision.reason == "names" and names:
        return f"{names} – {NEAREST_TAIL}" if decision.verdict == NEAREST else f"{names}."
    if decision.reason == "detail":
        return DETAIL_NOTE
    if decision.verdict == NEAREST:
        return NEAREST_NOTE
    return ""


def notices(result: SearchResult) -> str:
    """Every notice about this search, as one line ("" when there is none)."""
    return " ".join(filter(None, [cut_notice(result), reason_notice(result)]))
