"""The default model's ONNX graphs, run by ONNX Runtime behind the Embedder interface.

The graphs are prepared once by :mod:`.onnx_export`. Both backends run as several
single-threaded ORT workers on separate batches rather than one multi-threaded run:
no per-operator barrier, which on a busy machine is worth ~1.3x. Loading imports no
torch, so a fresh process answers its first question after ~3 s instead of ~12 s.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from base.errors import ModelError
from base.settings import BACKEND_ENV, BACKEND_ONNX_FP32, BACKEND_ONNX_INT8, BACKEND_TORCH
from index.encoder.base import Progress, normalize

#: The graph file of each ONNX backend.
MODEL_FILES = {BACKEND_ONNX_FP32: "model-fp32.onnx", BACKEND_ONNX_INT8: "model-int8.onnx"}


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
            self.query_session = self.session
            if self.workers > 1:
                # A question is one batch: on a separate session whose ORT pool uses every
                # core (the weights are mapped, not copied). Its threads do not spin
                # while waiting, so two questions at once share the cores without
                # burning them, as under the load test.
                query = ort.SessionOptions()
                query.intra_op_num_threads = self.workers
                query.inter_op_num_threads = 1
                query.log_severity_level = 3
                query.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self.query_session = ort.InferenceSession(
                    str(folder / MODEL_FILES[backend]), query, providers=["CPUExecutionProvider"]
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
        self.dim = width if isinstance(width, int) else int(self.run(["x"]).shape[1])

    def _batch(self, encodings: list, session=None) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        run = (session or self.session).run
        out = run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return normalize(out)

    def run(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Unit vectors for texts that already carry their prompt."""
        encodings = self.tokenizer.encode_batch(texts)
        # Longest first, so each batch pads to nearly its own length; rows go back in order.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
        batches = [order[lo : lo + self.batch_size] for lo in range(0, len(order), self.batch_size)]

        def one(idx: list[int]) -> np.ndarray:
            return self._batch([encodings[i] for i in idx])

        if self.workers > 1 and len(batches) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.workers) as pool:
                results = pool.map(one, batches)
                return self._collect(batches, results, len(texts), progress)
        return self._collect(batches, map(one, batches), len(texts), progress)

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
        return self.run([self.document_prompt + t for t in texts], progress)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors for questions."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if len(texts) == 1:  # one question: one run on the all-core query session
            encoding = self.tokenizer.encode(self.query_prompt + texts[0])
            return self._batch([encoding], self.query_session)
        return self.run([self.query_prompt + t for t in texts])
