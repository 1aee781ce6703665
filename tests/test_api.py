"""The HTTP API beside the chat: real requests to a running server (fake-embedder index)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from conftest import HERNING, KL_REPORT
from served import Served, serve_copy

from answer.build import build_index
from answer.decision import VERDICTS
from base.settings import Settings
from casechat.results import hit_row
from index.encoder import HashingEmbedder

ODENSE = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
ROW_KEYS = {
    "rank", "text", "score", "source", "title", "section", "municipalities", "date",
    "start", "end", "chunk_id", "page_start", "page_end", "format", "best_sentence", "probability",
}  # fmt: skip
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")


@pytest.fixture(scope="module")
def served(built_template: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = serve_copy(built_template, tmp_path_factory.mktemp("api"))
    yield running
    running.close()


@pytest.fixture(scope="module")
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        yield client


def test_get_search_returns_verdict_short_answer_and_cli_rows(
    http: httpx.Client, served: Served
) -> None:
    response = http.get("/api/search", params={"question": ODENSE, "k": 4})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"verdict", "short_answer", "notice", "results", "searched", "probability"}
    assert body["verdict"] in VERDICTS and isinstance(body["notice"], str)
    assert len(body["results"]) == 4 and body["results"][0]["source"] == KL_REPORT
    assert all(set(row) == ROW_KEYS for row in body["results"])
    assert body["short_answer"] and {"rank", "text", "chunk_id"} == set(body["short_answer"][0])
    # exactly the rows of `casechat search --json` (casechat.results.hit_row)
    expected = [hit_row(h) for h in served.live.current().search(ODENSE, k=4).hits]
    assert body["results"] == expected


def test_post_search_equals_get(http: httpx.Client) -> None:
    got = http.get("/api/search", params={"question": ODENSE, "k": 2}).json()
    posted = http.post("/api/search", json={"question": ODENSE, "k": 2})
    assert posted.status_code == 200 and posted.json() == got


def test_filters_restrict_the_rows(http: httpx.Client) -> None:
    by_muni = http.get(
        "/api/search", params={"question": "digital ledelse", "municipalities": "Herning"}
    ).json()
    assert by_muni["results"] and all("Herning" in r["municipalities"] for r in by_muni["results"])
    by_doc = http.post(
        "/api/search", json={"question": "digital ledelse", "k": 5, "documents": [HERNING]}
    ).json()
    assert by_doc["results"] and {r["source"] for r in by_doc["results"]} == {HERNING}


def test_a_question_of_1000_characters_is_accepted(http: httpx.Client) -> None:
    question = ("digital ledelse " * 70)[:1000]
    assert http.post("/api/search", json={"question": question}).status_code == 200


BAD = [
    ({"question": ""}, "tomt"),
    ({"question": "   "}, "tomt"),
    ({"question": "ledelse " * 130}, "grænsen er 1000"),
    ({"question": "ledelse", "k": 0}, "fra 1 til 10"),
    ({"question": "ledelse", "k": 11}, "fra 1 til 10"),
    ({"question": "ledelse", "k": "mange"}, "fra 1 til 10"),
    ({"question": "ledelse", "municipalities": ["Atlantis"]}, "Ukendt kommune: »Atlantis«"),
    ({"question": "ledelse", "documents": ["../../etc/passwd"]}, "Ukendt dokument"),
    ({"k": 3}, "»question« mangler"),
    ({"question": "!!!"}, "ingen ord"),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_bad_input_is_a_422_with_a_danish_message(
    http: httpx.Client, body: dict, message: str
) -> None:
    for response in (
        http.post("/api/search", json=body),
        http.get("/api/search", params=body) if "question" in body else None,
    ):
        if response is None:
            continue
        assert response.status_code == 422, response.text
        assert message in response.json()["fejl"]
        assert "Traceback" not in response.text


def test_malformed_json_and_unknown_routes_answer_in_danish(http: httpx.Client) -> None:
    broken = http.post(
        "/api/search", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and "JSON" in broken.json()["fejl"]
    assert http.get("/api/findes-ikke").status_code == 404
    assert "fejl" in http.get("/api/findes-ikke").json()
    assert http.delete("/api/search").status_code == 405


def test_documents_lists_every_document(http: httpx.Client, served: Served) -> None:
    response = http.get("/api/documents")
    assert response.status_code == 200
    rows = response.json()
    keys = {"source", "title", "municipalities", "date", "format", "page_count", "passages"}
    assert all(set(r) == keys for r in rows)
    assert {r["source"] for r in rows} >= {KL_REPORT, HERNING}
    assert sum(r["passages"] for r in rows) == len(served.live.current().snapshot.chunks)


def test_openapi_page_is_served_without_a_cdn(http: httpx.Client) -> None:
    page = http.get("/api/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assert "cdn." not in page.text and "/api/static-offline-docs/" in page.text
    assert http.get("/api/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    schema = http.get("/api/openapi.json").json()
    assert {"/search", "/documents", "/feedback"} <= set(schema["paths"])
    assert {"get", "post"} <= set(schema["paths"]["/search"])


def test_the_chat_page_is_still_served(http: httpx.Client) -> None:
    assert http.get("/").status_code == 200


def test_unexpected_errors_are_generic_and_logged(
    http: httpx.Client, served: Served, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    def broken():
        raise RuntimeError("/work/hemmelig/sti")

    monkeypatch.setattr(served.live, "current", broken)
    with caplog.at_level(logging.ERROR, logger="casechat.api"):
        response = http.get("/api/search", params={"question": ODENSE})
    assert response.status_code == 500
    assert "/work/" not in response.text and "Traceback" not in response.text
    assert "Prøv igen" in response.json()["fejl"]
    assert "hemmelig" in caplog.text  # the traceback is in the server's log


def test_a_rebuild_is_served_without_a_restart(http: httpx.Client, served: Served) -> None:
    new = served.settings.corpus_dir / "zylofon-by.txt"
    new.write_text(
        "Zylofonby Kommune\n\nZylofonby Kommune har lært alle ledere at spille zylofon "
        "som led i den digitale omstilling.\n",
        encoding="utf-8",
    )
    build_index(served.settings, HashingEmbedder())
    sources = {r["source"] for r in http.get("/api/documents").json()}
    assert "zylofon-by.txt" in sources
    body = http.get("/api/search", params={"question": "zylofon", "k": 1}).json()
    assert body["results"][0]["source"] == "zylofon-by.txt"
