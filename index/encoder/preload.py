"""Load the model in a background thread while the process does other start-up work.

`casechat chat` starts this before importing Gradio (~2.5-5 s of pure imports), so
the ONNX session is ready when the app wants it; the result is the same embedder
`load_embedder` returns, and its errors are raised where the result is asked for.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from index.encoder import Embedder, load_embedder


def preload_embedder(model: str) -> Future[Embedder]:
    """The embedder of `model`, loading now in a daemon-like worker thread."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="casechat-preload")
    future = pool.submit(load_embedder, model)
    pool.shutdown(wait=False)
    return future
