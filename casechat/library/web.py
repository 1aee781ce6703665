"""Web pages in the library: add a page by its address, refresh it from the source.

The page is fetched safely (ingest/web.py), its HTML snapshot is checked like
any upload (the build's own reader, in the staging folder) and put into the
corpus as `<name>.html`; its sidecar holds the address, trafilatura's title,
date and author, the ETag/Last-Modified and the sha256 of the main text. The
card cites the address (casechat/cards.py). Refreshing sends ETag and
Last-Modified; the snapshot is replaced (the old one to the recycle bin) only
when the main text changed, so an unchanged page is never re-indexed.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from base.errors import LibraryError
from base.settings import WebPolicy
from casechat.library import Change, Library
from casechat.library.corpus_files import check_upload, sidecar_of
from ingest.document import DocumentMeta
from ingest.web import WebPage, extract, fetch

KIND = "Webside"


@dataclass(frozen=True)
class Refreshed:
    """What a refresh found: the change made, or None and why nothing was done."""

    source: str
    change: Change | None
    reason: str  # Danish: "ændret", "uændret (304)", "teksten er uændret"


def name_for(url: str) -> str:
    """A readable corpus name from the address: host and path ("www-kl-dk-analyser-...")."""
    parts = urlsplit(url)
    stem = re.sub(r"\.(html?|php|aspx?)$", "", f"{parts.hostname or 'side'}{parts.path}")
    return re.sub(r"[/.]+", "-", stem).strip("-") or "side"


def _store(
    library: Library, url: str, html: bytes, page: WebPage, headers: dict, name: str, editor: str
) -> Change:
    folder = library.staging / secrets.token_hex(8)
    folder.mkdir(parents=True)
    snapshot = folder / "side.html"
    snapshot.write_bytes(html)
    try:
        candidate = check_upload(library.settings, snapshot, name + ".html", library.staging)
    finally:
        snapshot.unlink(missing_ok=True)
        folder.rmdir()
    extra = {
        "url": url,
        "author": page.author,
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "etag": headers.get("etag"),
        "last_modified": headers.get("last_modified"),
        "text_sha256": page.text_sha256,
    }
    meta = DocumentMeta(page.title or candidate.found.title, (), page.date, KIND)
    try:
        return library.add(candidate, meta, editor, replace=True,
                           extra={k: v for k, v in extra.items() if v})  # fmt: skip
    finally:
        library.discard(candidate)


def add_url(library: Library, url: str, editor: str, policy: WebPolicy | None = None) -> Change:
    """Fetch `url` and add the page to the corpus (replacing an earlier copy of it)."""
    url = url.strip()
    policy = policy or WebPolicy.from_env()
    got = fetch(url, policy)
    page = extract(got.html, got.url)
    headers = {"etag": got.etag, "last_modified": got.last_modified}
    return _store(library, got.url, got.html, page, headers, name_for(got.url), editor)


def web_sources(library: Library) -> dict[str, str]:
    """{corpus name: address} of the documents added by address."""
    found = {}
    for sidecar in sorted(library.settings.corpus_dir.glob("*.html.meta.json")):
        try:
            url = json.loads(sidecar.read_text(encoding="utf-8")).get("url")
        except (OSError, ValueError):
            continue
        if isinstance(url, str) and url:
            found[sidecar.name.removesuffix(".meta.json")] = url
    return found


def refresh(
    library: Library, source: str, editor: str, policy: WebPolicy | None = None
) -> Refreshed:
    """Re-fetch a page added by address; replace it only when its main text changed."""
    sidecar = sidecar_of(library.settings, source)
    data = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar else {}
    url = data.get("url")
    if not url:
        raise LibraryError(f"{source} er ikke hentet fra en webadresse og kan ikke opdateres")
    policy = policy or WebPolicy.from_env()
    got = fetch(url, policy, etag=data.get("etag"), last_modified=data.get("last_modified"))
    if got.not_modified:
        return Refreshed(source, None, "uændret (siden svarede 304 Not Modified)")
    page = extract(got.html, got.url)
    if page.text_sha256 == data.get("text_sha256"):
        return Refreshed(source, None, "teksten er uændret")
    headers = {"etag": got.etag, "last_modified": got.last_modified}
    name = source.removesuffix(".html")
    return Refreshed(source, _store(library, url, got.html, page, headers, name, editor), "ændret")
