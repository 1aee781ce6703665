"""Danish LibreOffice help (Debian's `libreoffice-help-da`) as an outside test collection.

    apt-get download libreoffice-help-da && dpkg-deb -x libreoffice-help-da_*.deb unpacked
    python -m tools.collections.libreoffice_help --source unpacked --out data/outside

The help's own index (`da/bookmarks.js`: entries such as "filtre -- navigator",
each pointing at a page's `bm_...` anchor) gives the judgments: an index entry
becomes a query typed as a person would ("filtre navigator"), and the pages the
index sends that entry to are its relevant documents. Only entries with 1-5
pages in the corpus are kept, at most `--max-questions` of them (fixed seed),
every other one marked as the frozen test part (`"split": "test"`). Everyday
off-topic questions are not made here: eval/offtopic/ is asked of every library.

Each page is written as markdown text (`#` headings, one paragraph per line),
because the project's HTML reader drops the help's `menuitem` spans (menu paths
such as "Filer - Eksporter") as page furniture. The index keywords (`<meta
itemprop="keywords">`), hidden platform/module variants other than the default,
"Relaterede emner" link lists and the debug footer are left out, so a query's
words are never hidden in the text it is matched against.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

_ENTRY = re.compile(
    r'\{url:"da/(text/[^"?#]+\.html)[^"]*", app:"(\w*)", text:"((?:[^"\\]|\\.)*)"\}'
)
_DROP = (
    "meta, script, style, img, footer, .relatedtopics, .bug, .debug, #SearchFrame, #DonationFrame"
)
_BLOCKS = "h1, h2, h3, h4, h5, h6, p, pre, tr"


def doc_name(rel: str) -> str:
    """`text/swriter/guide/autotext.html` -> `swriter_guide_autotext.md`."""
    return rel.removeprefix("text/").removesuffix(".html").replace("/", "_") + ".md"


def _flat(node) -> str:
    return re.sub(r"\s+", " ", node.text(deep=True, separator="")).strip()


def _in_row(node) -> bool:
    while node is not None and node.tag != "body":
        if node.tag == "tr":
            return True
        node = node.parent
    return False


def _in_row_below(cell, row) -> bool:
    """A cell of a table nested inside `row`: its text is already in its outer cell."""
    node = cell.parent
    while node is not None and node != row:
        if node.tag == "tr":
            return True
        node = node.parent
    return False


def page_text(data: bytes) -> str:
    """The visible help text of one page as markdown, without index keywords."""
    tree = LexborHTMLParser(data.decode("utf-8", errors="replace"))
    area = tree.css_first("#DisplayArea")
    if area is None:
        return ""
    for node in area.css(_DROP):
        node.decompose()
    for node in area.css("[hidden]"):  # keep the default of each platform/module switch
        if not (node.attributes.get("id") or "").startswith("default"):
            node.decompose()
    lines = []
    for node in area.css(_BLOCKS):
        if _in_row(node.parent):
            continue  # read with its table row, as "cell | cell"
        if node.tag == "tr":
            cells = (_flat(cell) for cell in node.css("td, th") if not _in_row_below(cell, node))
            text = " | ".join(c for c in cells if c)
        else:
            text = _flat(node)
        if not text:
            continue
        level = int(node.tag[1]) if re.fullmatch(r"h\d", node.tag) else 0
        lines.append(("#" * min(level, 3) + " " if level else "") + text)
    return "\n\n".join(lines) + "\n"


def read_index(help_dir: Path) -> dict[str, set[str]]:
    """Query text -> help pages, from the help's own index (`bookmarks.js`)."""
    pages: dict[str, set[str]] = defaultdict(set)
    raw = (help_dir / "bookmarks.js").read_text(encoding="utf-8")
    for rel, _app, text in _ENTRY.findall(raw):
        text = json.loads(f'"{text}"')
        query = " ".join(part.strip() for part in text.split("--") if part.strip())
        query = re.sub(r"\s+", " ", query).strip()
        if query:
            pages[query].add(rel)
    return pages


def find_help_dir(source: Path) -> Path:
    for candidate in [source, *source.rglob("help/da")]:
        if (candidate / "bookmarks.js").is_file():
            return candidate
    raise SystemExit(f"No da/bookmarks.js below {source}: unpack libreoffice-help-da there.")


def build(source: Path, out: Path, max_questions: int, min_chars: int, seed: int) -> None:
    help_dir = find_help_dir(source)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()
    for path in sorted((help_dir / "text").rglob("*.html")):
        text = page_text(path.read_bytes())
        if len(text) - text.count("#") < min_chars:
            continue
        rel = path.relative_to(help_dir).as_posix()
        (corpus / doc_name(rel)).write_text(text, encoding="utf-8")
        written.add(rel)
    judged = []
    for query, rels in sorted(read_index(help_dir).items()):
        docs = sorted(doc_name(r) for r in rels if r in written)
        if docs and len(docs) == len(rels) and len(docs) <= 5:
            judged.append((query, docs))
    random.Random(seed).shuffle(judged)
    judged = judged[:max_questions]
    # Every other question (in the seeded order) is frozen as the test part.
    frozen = {q for q, _ in judged[1::2]}
    rows = [
        {
            "question": q,
            "relevant_docs": docs,
            "unanswerable": False,
            "kind": "outside",
            "split": "test" if q in frozen else "dev",
        }
        for q, docs in sorted(judged)
    ]
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for number, row in enumerate(rows, start=1):
            fh.write(json.dumps({"id": f"o{number:04d}", **row}, ensure_ascii=False) + "\n")
    print(f"{len(written)} documents in {corpus}, {len(judged)} judged questions in "
          f"{out / 'questions.jsonl'} (off-topic questions: eval/offtopic/)")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="unpacked package (or help/da)")
    parser.add_argument("--out", type=Path, required=True, help="gets corpus/ and questions.jsonl")
    parser.add_argument("--max-questions", type=int, default=1500)
    parser.add_argument("--min-chars", type=int, default=800, help="skip pages with less text")
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args(argv)
    build(args.source, args.out, args.max_questions, args.min_chars, args.seed)


if __name__ == "__main__":
    main()
