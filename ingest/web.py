"""Fetch a web page by its address, safely, and find its main text, title, date and author.

Only http and https; the host's addresses are looked up before every request
(the first and each redirect) and a private, loopback, link-local or reserved
address is refused unless the setting allows it (`WebPolicy`,
CASECHAT_WEB_ALLOW_PRIVATE). Redirects are followed by hand, at most
`max_redirects`; every request has a timeout; the body is read in pieces and
refused past `max_bytes`; only HTML is taken. A re-fetch sends the page's
ETag and Last-Modified, so an unchanged page answers 304 and costs nothing.
trafilatura finds the main text and the metadata.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from base.errors import WebError
from base.settings import WebPolicy

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_AGENT = "casechat/1 (+https://github.com/; dokumentbibliotek)"


@dataclass(frozen=True)
class Fetched:
    """A page as the server sent it (`not_modified`: 304, no body)."""

    url: str  # after redirects
    html: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


@dataclass(frozen=True)
class WebPage:
    """What trafilatura found in a page."""

    text: str
    title: str | None
    date: str | None
    author: str | None

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def check_address(url: str, policy: WebPolicy) -> None:
    """Refuse anything but http(s) to a public address (or any address, if allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise WebError(f"kun adresser med http:// eller https:// kan hentes (ikke »{url[:80]}«)")
    if not parts.hostname:
        raise WebError(f"adressen »{url[:80]}« mangler et værtsnavn")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise WebError(f"værten {parts.hostname} kan ikke findes ({exc})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not policy.allow_private and not address.is_global:
            raise WebError(
                f"adressen {parts.hostname} peger på et privat eller lokalt netværk ({address}) "
                "og hentes ikke; en administrator kan tillade det med "
                "CASECHAT_WEB_ALLOW_PRIVATE=1"
            )


def fetch(
    url: str,
    policy: WebPolicy,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET `url` under `policy`; WebError (Danish) says why not."""
    headers = {"User-Agent": _AGENT, "Accept": "text/html,application/xhtml+xml"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with httpx.Client(timeout=policy.timeout_seconds, follow_redirects=False) as client:
        for _ in range(policy.max_redirects + 1):
            check_address(url, policy)
            try:
                with client.stream("GET", url, headers=headers) as reply:
                    if reply.is_redirect and "location" in reply.headers:
                        url = urljoin(url, reply.headers["location"])
                        continue
                    return _answer(url, reply, policy)
            except httpx.TimeoutException as exc:
                raise WebError(
                    f"siden svarede ikke inden for {policy.timeout_seconds:.0f} s"
                ) from exc
            except httpx.HTTPError as exc:
                raise WebError(f"siden kunne ikke hentes ({type(exc).__name__}: {exc})") from exc
    raise WebError(f"siden viderestiller mere end {policy.max_redirects} gange og hentes ikke")


def _answer(url: str, reply: httpx.Response, policy: WebPolicy) -> Fetched:
    if reply.status_code == 304:
        return Fetched(url, not_modified=True)
    if reply.status_code >= 400:
        raise WebError(
            f"siden svarede {reply.status_code} ({reply.reason_phrase or 'fejl'}); "
            "tjek adressen i en browser"
        )
    kind = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in _HTML_TYPES:
        raise WebError(f"adressen giver ikke en webside, men {kind}; hent filen og upload den")
    declared = int(reply.headers.get("content-length") or 0)
    if declared > policy.max_bytes:
        raise WebError(_too_large(policy))
    body = bytearray()
    for piece in reply.iter_bytes():
        body += piece
        if len(body) > policy.max_bytes:
            raise WebError(_too_large(policy))
    return Fetched(
        url,
        bytes(body),
        etag=reply.headers.get("etag"),
        last_modified=reply.headers.get("last-modified"),
    )


def _too_large(policy: WebPolicy) -> str:
    limit = f"{policy.max_bytes / 1024**2:.1f}".replace(".", ",")
    return f"siden fylder over {limit} MB og hentes ikke"


def extract(html: bytes, url: str) -> WebPage:
    """Main text, title, date (yyyy-mm-dd) and author, by trafilatura; WebError without text."""
    import trafilatura

    found = trafilatura.extract(
        html, url=url, output_format="json", with_metadata=True, include_tables=True
    )
    data = json.loads(found) if found else {}
    text = (data.get("text") or "").strip()
    if not text:
        raise WebError("siden har ingen tekst, casechat kan finde (er den lavet med JavaScript?)")
    date = data.get("date") or None
    return WebPage(text, data.get("title") or None, date[:10] if date else None,
                   data.get("author") or None)  # fmt: skip
