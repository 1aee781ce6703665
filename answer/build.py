"""Build an index with the answer layer's measurements (answer/calibrate.py) and its
answer model (answer/training.py).

`build_index` is index/build.py's build with `measure` set: every build of the app
stores in its manifest what the answer layer needs to decide on that index.
"""

from __future__ import annotations

from collections.abc import Callable

import faiss
import numpy as np

from answer.calibrate import calibrate
from answer.model import MODEL_KEY
from answer.training import train
from index import build
from index.build import BuildReport
from index.encoder import Embedder
from index.store import Snapshot

__all__ = ["BuildReport", "build_index", "measure"]


def measure(
    embedder: Embedder,
    ids: np.ndarray,
    texts: Callable[[list[int]], dict],
    index: faiss.Index,
    snapshot: Callable[[], Snapshot],
) -> dict:
    """What the manifest keeps as `calibration` for a new index: the reference levels
    (answer/calibrate.py) and, under `answer_model`, the answer model trained on this
    index (answer/training.py). Empty for an index too small to measure."""
    calibration = calibrate(embedder, ids, texts, index)
    if calibration is None:
        return {"measured_by": MEASURE_VERSION}
    out = calibration.to_dict() | {"measured_by": MEASURE_VERSION}
    new = snapshot()
    new.manifest.calibration = out  # the model's features read the levels' sample
    # The index folder keeps the training questions' vectors for the next build.
    model = train(new, embedder, folder=new.path.parent)
    if model is not None:
        out[MODEL_KEY] = model.to_dict()
    return out


#: What `measure` stores, by version: an index measured by another version (one from
#: before the answer model has none) is measured again at its next build (index/build.py).
MEASURE_VERSION = 2
measure.version = MEASURE_VERSION


def build_index(*args, **kwargs) -> BuildReport:
    """index.build.build_index with the answer layer's measurements (same arguments)."""
    kwargs.setdefault("measure", measure)
    return build.build_index(*args, **kwargs)
