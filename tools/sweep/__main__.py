"""`python -m tools.sweep [chunking|header|analyzer|fusion|abstain|cv|all]`."""

from __future__ import annotations

import sys

from tools.sweep.cv import cross_validate
from tools.sweep.tables import (
    sweep_abstain,
    sweep_analyzer,
    sweep_chunking,
    sweep_fusion,
    sweep_header,
)
from tools.sweep.variants import Runner

SWEEPS = {
    "chunking": sweep_chunking,
    "header": sweep_header,
    "analyzer": sweep_analyzer,
    "fusion": sweep_fusion,
    "abstain": sweep_abstain,
    "cv": cross_validate,
}


def main(argv: list[str] | None = None) -> None:
    names = (sys.argv[1:] if argv is None else argv) or ["all"]
    unknown = [n for n in names if n != "all" and n not in SWEEPS]
    if unknown:
        raise SystemExit(f"Ukendt sweep '{unknown[0]}'. Vælg blandt: {', '.join(SWEEPS)}, all.")
    with Runner() as runner:
        for name in SWEEPS if names == ["all"] else names:
            SWEEPS[name](runner)
            print()


if __name__ == "__main__":
    main()
