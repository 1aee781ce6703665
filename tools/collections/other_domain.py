"""Sentences of another domain for the answer model's negatives (answer/data/).

The answer model (answer/model.py) learns what a question that the library does
not answer looks like from sentences of other domains. They come from Debian's
manual pages, Danish (`manpages-da`) and English (`manpages`), written by
others about something else than any library of casechat:

    apt-get download manpages-da manpages
    dpkg-deb -x manpages-da_*.deb da && dpkg-deb -x manpages_*.deb en
    python -m tools.collections.other_domain --source da --lang da --out answer/data
    python -m tools.collections.other_domain --source en --lang en --out answer/data

Each run writes `other_<lang>.txt` (one sentence a line, a seeded sample) and
`other_<lang>.copyright` (the package's licence file). Troff markup is dropped;
sentences of 6-30 words without command syntax are kept.
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import shutil
from pathlib import Path

_FONT = re.compile(r"\\f(?:\[[A-Z]*\]|[A-Z])|\\\(..|\\\[[a-z]+\]|\\[-&|e^ ]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])")
_CODE = re.compile(r"[<>{}\[\]=/\\|_$#@;*`]|--|\b-\w")
SEED = 20261207


def page_text(raw: str) -> str:
    """The running text of one troff manual page (macros and markup dropped)."""
    lines = []
    for line in raw.splitlines():
        if line.startswith((".", "'")):
            if line.startswith((".B ", ".I ")):
                lines.append(line[3:])
            continue
        lines.append(line)
    return re.sub(r"\s+", " ", _FONT.sub("", " ".join(lines))).strip()


def sentences(text: str) -> list[str]:
    """Whole prose sentences of 6-30 words with no command syntax."""
    out = []
    for sentence in _SENTENCE.split(text):
        sentence = sentence.strip().strip('"')
        n = len(sentence.split())
        if 6 <= n <= 30 and sentence[-1:] in ".?!" and not _CODE.search(sentence):
            out.append(sentence)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="the unpacked package")
    parser.add_argument("--lang", required=True, help="da or en")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=600, help="sentences to keep")
    args = parser.parse_args(argv)
    found: dict[str, None] = {}
    for page in sorted(args.source.rglob("man/**/*.gz")):
        raw = gzip.decompress(page.read_bytes()).decode("utf-8", errors="replace")
        found.update(dict.fromkeys(sentences(page_text(raw))))
    picked = sorted(found)
    random.Random(SEED).shuffle(picked)
    picked = sorted(picked[: args.n])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"other_{args.lang}.txt").write_text("\n".join(picked) + "\n", encoding="utf-8")
    copyright_file = next(args.source.rglob("usr/share/doc/*/copyright"))
    shutil.copyfile(copyright_file, args.out / f"other_{args.lang}.copyright")
    print(f"{len(picked)} of {len(found)} sentences in {args.out / f'other_{args.lang}.txt'}")


if __name__ == "__main__":
    main()
