"""The chat's server as a municipality runs it, attacked over HTTP: a foreign Host gets 4xx
on every route, every answer carries the security headers, big bodies get 413, errors do
not echo input, other origins get no CORS and cannot post, and the operator's endpoints
(/healthz, /readyz during a build, /metrics) answer."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from library_app import LibraryApp, start_library_app, wait_idle

from casechat.html_text import document_id

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")
QUESTION = "Hvordan arbejder kommunerne med digital ledelse?"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LibraryApp]:
    running = start_library_app(tmp_path_factory.mktemp("security"), delay=1.0)
    wait_idle(running)
    yield running
    running.demo.close()


@pytest.fixture
def http(app: LibraryApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.url, timeout=60) as client:
        yield client


def doc_path(app: LibraryApp) -> str:
    source = app.live.current().documents()[0].source
    return f"/dokument/{document_id(source)}"


def every_route(app: LibraryApp) -> list[str]:
    """Every path the server routes (parameters filled in), Gradio's and ours."""
    paths = {"/", "/api/search", "/api/docs", "/mcp", doc_path(app)}
    for route in app.demo.server_app.router.routes:
        path = getattr(route, "path", "")
        if path:
            paths.add(re.sub(r"\{[^}]*\}", "x", path) or "/")
    return sorted(paths)


def test_a_foreign_host_gets_4xx_on_every_route(app: LibraryApp, http: httpx.Client) -> None:
    routes = every_route(app)
    assert len(routes) > 20  # Gradio's own routes are in the list too
    for path in routes:
        for method in ("GET", "POST"):
            got = http.request(method, path, headers={"Host": "evil.example:7860"})
            assert 400 <= got.status_code < 500, (method, path, got.status_code)
    assert http.get("/healthz").status_code == 200  # our own name is served
    assert http.get("/healthz", headers={"Host": "localhost"}).status_code == 200


@pytest.mark.parametrize("which", ["/", "/api/search", "document", "/api/nope", "/healthz"])
def test_security_headers_on_every_answer(app: LibraryApp, http: httpx.Client, which) -> None:
    path = doc_path(app) if which == "document" else which
    got = http.get(path, params={"question": QUESTION} if "search" in path else None)
    assert got.status_code < 500
    csp = got.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp or "default-src 'none'" in csp
    assert got.headers["x-frame-options"] == "DENY"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["referrer-policy"] == "same-origin"


def test_big_bodies_get_413_and_errors_do_not_echo_input(http: httpx.Client) -> None:
    huge = b'{"question": "' + b"a" * (60 * 1024 * 1024) + b'"}'
    got = http.post("/api/search", content=huge, headers={"Content-Type": "application/json"})
    assert got.status_code == 413
    got = http.post("/gradio_api/queue/join", content=huge)
    assert got.status_code == 413

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        yield b'{"question": "'
        for _ in range(60):
            yield b"a" * (1024 * 1024)
        yield b'"}'

    got = http.post("/api/search", content=chunked(), headers={"Content-Type": "application/json"})
    assert got.status_code == 413
    value = "x" * (5 * 1024 * 100)  # 500 kB unknown filter value, under the body limit
    got = http.post("/api/search", json={"question": QUESTION, "municipalities": [value]})
    assert got.status_code == 422
    assert len(got.text) < 2000 and "x" * 50 not in got.text


def test_no_files_are_stored_without_an_editor_session(http: httpx.Client) -> None:
    files = {"files": ("a.txt", b"tekst")}
    for path in ("/gradio_api/upload", "/gradio_api/process_recording", "/gradio_api/x"):
        got = http.post(path, files=files)
        assert got.status_code == 403, path
        assert "redaktør" in got.json()["fejl"]


def test_no_cors_and_no_posts_from_other_origins(http: httpx.Client) -> None:
    for origin in ("http://localhost:9999", "https://evil.example"):
        got = http.get("/api/search", params={"question": QUESTION}, headers={"Origin": origin})
        assert got.status_code == 200
        assert not any(k.lower().startswith("access-control-") for k in got.headers)
        got = http.post("/api/search", json={"question": QUESTION}, headers={"Origin": origin})
        assert got.status_code == 403
        preflight = http.options(
            "/gradio_api/queue/join",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers
        login = http.post(
            "/editor/login", json={"name": "x", "password": "y"}, headers={"Origin": origin}
        )
        assert login.status_code == 403
    same = http.post(
        "/api/search",
        json={"question": QUESTION},
        headers={"Origin": str(http.base_url).rstrip("/")},
    )
    assert same.status_code == 200


def test_health_readiness_during_a_build_and_metrics(app: LibraryApp, http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    assert http.get("/api/search", params={"question": QUESTION}).status_code == 200
    (app.settings.corpus_dir / "ny.txt").write_text(
        "Ny case om digital ledelse i Fanø Kommune.\n\n" + "Mere tekst om ledelse. " * 40,
        encoding="utf-8",
    )
    app.builder.request(["ny.txt"])
    phases = set()
    for _ in range(40):
        ready = http.get("/readyz")
        assert ready.status_code == 200  # the chat answers from the current index meanwhile
        phases.add(ready.json()["build"]["phase"])
        if phases & {"reading", "embedding"}:
            break
    assert phases & {"queued", "reading", "embedding"}, phases
    body = ready.json()
    assert body["ready"] and body["passages"] > 0 and body["documents"] == 5
    wait_idle(app)
    assert http.get("/readyz").json()["documents"] == 6
    metrics = http.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert re.search(r'casechat_questions_total\{channel="api"\} [1-9]', text)
    assert re.search(r'casechat_builds_total\{outcome="ok"\} [1-9]', text)
    assert "casechat_answer_seconds_bucket" in text
    assert re.search(r"casechat_index_passages [1-9]", text)


def test_x_forwarded_for_is_not_believed_without_a_named_proxy(http: httpx.Client) -> None:
    """Five wrong logins, each 'from' another X-Forwarded-For address: all count against the
    real client (this machine), so a sixth, from yet another claimed address, is locked."""
    for i in range(5):
        got = http.post(
            "/editor/login",
            json={"name": f"navn{i}", "password": "forkert-kodeord"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
        assert got.status_code == 403 and "Forkert" in got.json()["fejl"]
    got = http.post(
        "/editor/login",
        json={"name": "endnu-et-navn", "password": "forkert-kodeord"},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert got.status_code == 403 and "For mange" in got.json()["fejl"]
