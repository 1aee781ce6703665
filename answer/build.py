"""Build an index with the answer layer's measurements (answer/calibrate.py).

`build_index` is index/build.py's build with `measure` set: every build of the app
stores in its manifest what the answer layer needs to decide on that index.
"""

from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np

from answer.calibrate import calibrate
from index import build
from index.build import BuildReport
from index.encoder import Embedder

__all__ = ["BuildReport", "build_index", "measure"]


def measure(
    embedder: Embedder,
    ids: np.ndarray,
    texts: Callable[[list[int]], list[str]],
    index: faiss.Index,
) -> dict:
    """What the manifest keeps as `calibration` for a new index (empty if too small)."""
    calibration = calibrate(embedder, ids, texts, index)
    return calibration.to_dict() if calibration else {}


def build_index(*args, **kwargs) -> BuildReport:
    """index.build.build_index with the answer layer's measurements (same arguments)."""
    kwargs.setdefault("measure", measure)
    return build.build_index(*args, **kwargs)
