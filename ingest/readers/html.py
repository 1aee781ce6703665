"""HTML with selectolax (lexbor): the main content, without the page around it.

Scripts, styles, navigation, page header and footer, cookie banners, forms and
tables of contents are removed; the main element (`<main>`, `role=main`,
`<article>`) is read when there is one, else the body. h1–h3 become sections,
list items start with "• ", and table rows read "cell | cell".
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from base.errors import CorpusError
from ingest.readers.base import Block, FoundMeta, ReadDocument, assemble, tidy

FORMAT = "html"
VERSION = 1

_NEVER_CONTENT = (
    "script, style, noscript, template, svg, canvas, iframe, object, embed, form, button, "
    "select, nav, aside, dialog, [role=navigation], [role=banner], [role=contentinfo], "
    "[role=search], [aria-hidden=true], [hidden], .toc, .navheader, .navfooter"
)
#: id/class words of page furniture: cookie and consent banners, share buttons, menus.
_FURNITURE = re.compile(
    r"cookie|consent|gdpr|banner|breadcrumb|skip-?link|share|social|newsletter|"
    r"navbar|menu|sidebar|related|footer|header",
    re.I,
)
_BLOCK_TAGS = {"p", "pre", "blockquote", "dt", "dd", "figcaption", "caption", "address"}
_CONTAINERS = {
    "div", "section", "article", "main", "body", "ul", "ol", "dl", "header", "footer",
    "figure", "details", "summary", "center", "span", "font",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3}
_OWN_BLOCKS = {"li", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.I)


def decode_html(data: bytes) -> str:
    """BOM, then the page's own <meta charset>, then UTF-8, then Windows-1252."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _CHARSET.search(data[:4096])
    candidates = [declared[1].decode("ascii", "ignore")] if declared else []
    for encoding in [*candidates, "utf-8"]:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def _furniture(node: LexborNode) -> bool:
    attrs = node.attributes
    names = f"{attrs.get('id') or ''} {attrs.get('class') or ''}"
    if node.tag in {"header", "footer"}:
        return True
    return bool(names.strip()) and bool(_FURNITURE.search(names)) and node.tag != "body"


def _meta(tree: LexborHTMLParser) -> FoundMeta:
    def content(selector: str) -> str:
        node = tree.css_first(selector)
        return tidy(node.attributes.get("content") or "") if node else ""

    title = content('meta[property="og:title"]')
    if not title:
        node = tree.css_first("title")
        title = tidy(node.text()) if node else ""
    date = ""
    for selector in ('meta[property="article:published_time"]', 'meta[name="date"]',
                     'meta[name="DC.date"]', 'meta[name="dcterms.date"]'):  # fmt: skip
        date = content(selector)
        if date:
            break
    if not date:
        node = tree.css_first("time[datetime]")
        date = node.attributes.get("datetime") or "" if node else ""
    match = re.match(r"(\d{4}-\d{2}-\d{2})", date or "")
    return FoundMeta(title or None, match[1] if match else None)


def _text(node: LexborNode) -> str:
    return _collapse(node.text(deep=True, separator=" ", strip=False))


def _collapse(text: str) -> str:
    """Whitespace of the markup is no text: one space, none before punctuation."""
    return re.sub(r"\s+([.,;:!?)])", r"\1", re.sub(r"\s+", " ", text)).strip()


def _table(node: LexborNode) -> str:
    rows = []
    for row in node.css("tr"):
        cells = [_text(cell) for cell in row.css("th, td")]
        cells = [c for c in cells if c]
        if cells:
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _walk(node: LexborNode) -> Iterator[Block]:
    inline: list[str] = []

    def paragraph() -> Iterator[Block]:
        text = _collapse("".join(inline))
        inline.clear()
        if text:
            yield Block(text)

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            inline.append(child.text_content or "")
            continue
        if tag not in _CONTAINERS and tag not in _BLOCK_TAGS and tag not in _OWN_BLOCKS:
            inline.append(child.text(deep=True, separator="", strip=False))  # a, em, b, code
            continue
        yield from paragraph()
        if tag in _HEADINGS:
            yield Block(_text(child), _HEADINGS[tag])
        elif tag == "li":
            nested = list(_walk(child))
            first = nested[0].text if nested and not nested[0].level else _text(child)
            yield Block(f"• {first}")
            yield from nested[1:]
        elif tag == "table":
            yield Block(_table(child))
        elif tag == "pre":
            lines = (tidy(line) for line in child.text(deep=True, strip=False).split("\n"))
            yield Block("\n".join(line for line in lines if line))
        elif tag in _BLOCK_TAGS or tag in _OWN_BLOCKS:
            yield Block(_text(child))
        else:
            yield from _walk(child)
    yield from paragraph()


def read(data: bytes) -> ReadDocument:
    """Read an HTML page: its main content as paragraphs, h1–h3 as sections."""
    tree = LexborHTMLParser(decode_html(data))
    if tree.body is None:
        raise CorpusError("HTML-filen har intet indhold (ingen <body>)")
    meta = _meta(tree)
    for node in tree.css(_NEVER_CONTENT):
        node.decompose()
    main = tree.css_first("main, [role=main], article") or tree.body
    for node in main.css("header, footer, div, section, p, span, ul"):
        if _furniture(node):
            node.decompose()
    return assemble(_walk(main), meta)
