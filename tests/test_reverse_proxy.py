"""The chat under a path behind Debian's nginx, configured with the `location` block of
docs/OPERATIONS.md: the page, the API, the operator's endpoints, an editor's login with
its cookie and the Gradio queue all work through the proxy; in Chromium a question is
answered and an editor logs in (the page's own script under the root path).

Needs nginx (`make nginx` installs Debian's nginx-light as root); skips saying so else.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from library_app import EDITOR, PASSWORD, LibraryApp, RawSession, start_library_app, wait_idle
from test_browser import ARGS, ARTIFACTS, CHROMIUM
from test_chat_app import free_port

from base.settings import ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.skipif(
        not Path(NGINX).exists(),
        reason="Debian's nginx is missing: run `make nginx` as root (apt-get install nginx-light)",
    ),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing"),
]
PREFIX = "/casechat"
QUESTION = "Hvordan har Odense udviklet ledernes digitale kompetencer?"


def documented_location() -> str:
    """The `location` block of the nginx example in docs/OPERATIONS.md."""
    text = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    block = re.search(r"```nginx\n(.*?)```", text, re.S).group(1)
    return re.search(r"(    location /casechat/ \{.*?\n    \})", block, re.S).group(1)


@dataclass
class Proxied:
    app: LibraryApp
    url: str  # the chat through nginx, ending in /casechat/


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nginx did not listen on {port}")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    root = tmp_path_factory.mktemp("proxy")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CASECHAT_ROOT_PATH", PREFIX)
        env.setenv("CASECHAT_FORWARDED_ALLOW_IPS", "127.0.0.1")
        env.setenv("CASECHAT_ALLOWED_HOSTS", "localhost,127.0.0.1")
        app = start_library_app(root / "chat")
    wait_idle(app)
    chat_port = int(app.url.rstrip("/").rsplit(":", 1)[1])
    port = free_port()
    location = documented_location().replace("127.0.0.1:7860", f"127.0.0.1:{chat_port}")
    (root / "nginx").mkdir()
    conf = root / "nginx" / "nginx.conf"
    conf.write_text(
        f"""daemon off;
master_process off;
pid {root}/nginx/nginx.pid;
error_log {root}/nginx/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/nginx/body;
    proxy_temp_path {root}/nginx/proxy;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        client_max_body_size 100m;
{location}
    }}
}}
""",
        encoding="utf-8",
    )
    nginx = subprocess.Popen([NGINX, "-p", str(root / "nginx"), "-c", str(conf)])
    try:
        _wait_port(port)
        yield Proxied(app, f"http://localhost:{port}{PREFIX}/")
    finally:
        nginx.terminate()
        nginx.wait(10)
        app.demo.close()


def test_the_chat_works_under_a_path_behind_nginx(proxied: Proxied) -> None:
    with httpx.Client(base_url=proxied.url, timeout=60) as http:
        page = http.get("")
        assert page.status_code == 200 and "Casechat" in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert http.get("healthz").json() == {"status": "ok"}
        assert http.get("readyz").json()["ready"] is True
        found = http.get("api/search", params={"question": QUESTION})
        assert found.status_code == 200, found.text
        found = found.json()
        assert found["results"]
        assert "casechat_questions_total" in http.get("metrics").text
        foreign = http.get("healthz", headers={"Host": "evil.example"})
        assert foreign.status_code == 421
    raw = RawSession(proxied.url)  # the Gradio queue (server-sent events) through nginx
    assert "Logget ind som mette" in raw.log_in(EDITOR, PASSWORD)
    cookie = next(c for c in raw.http.cookies.jar if c.name == "casechat_redaktoer")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure  # plain http here


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is missing")
def test_in_chromium_through_nginx(proxied: Proxied) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="da-DK")
        violations = []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(proxied.url)
        page.fill("#spoergsmaal textarea", QUESTION)
        page.press("#spoergsmaal textarea", "Enter")
        page.locator('#samtale [data-testid="bot"] .cc-answer').first.wait_for(timeout=60_000)
        page.get_by_role("tab", name="Dokumenter").click()
        page.fill("#login-navn textarea", EDITOR)
        page.fill("#login-kode input", PASSWORD)
        page.click("#log-ind")
        page.get_by_text("Logget ind som mette").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "behind-nginx.png"))
        browser.close()
    assert violations == []
