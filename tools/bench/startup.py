"""Start-up with a built index: a fresh process stage by stage, and the real chat.

Two measurements, both in new processes:

- ``python -m tools.bench.stages``: import, model, index, searcher, first search;
- ``casechat chat --port P --index-dir D``, started as a person starts it, and
  asked through its ``/ask`` API until the first answer arrives (Gradio's import,
  the UI and the server included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from base.errors import CasechatError
from base.settings import ROOT, Settings
from casechat.answer import GENERIC_ERROR
from tools.bench.stages import PREFIX, QUESTION
from tools.loadtest import ChatProcess, ask


@dataclass
class StartupResult:
    """Seconds from the start of a fresh process; None where not measured."""

    import_s: float | None = None
    model_s: float | None = None
    snapshot_s: float | None = None
    searcher_s: float | None = None
    first_search_s: float | None = None
    ready_s: float | None = None
    torch_imported: bool | None = None
    process_wall_s: float | None = None  # the stages process, interpreter start included
    chat_api_ready_s: float | None = None  # `casechat chat` started -> its API answers
    chat_first_answer_s: float | None = None  # `casechat chat` started -> first answer
    error: str | None = None


def _env(settings: Settings) -> dict[str, str]:
    return dict(
        os.environ,
        CASECHAT_INDEX_DIR=str(settings.index_dir),
        CASECHAT_CORPUS_DIR=str(settings.corpus_dir),
        CASECHAT_MODEL=settings.model,
    )


def stages_in_new_process(settings: Settings, result: StartupResult) -> None:
    """Run tools/bench/stages.py in a new interpreter and copy its figures into `result`."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tools.bench.stages"],
        capture_output=True,
        text=True,
        env=_env(settings),
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - started
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(PREFIX)), None)
    if line is None:
        result.error = (proc.stderr or proc.stdout)[-500:]
        return
    for key, value in json.loads(line[len(PREFIX) :]).items():
        setattr(result, key, round(value, 2) if isinstance(value, float) else value)
    result.process_wall_s = round(wall, 2)


def chat_first_answer(settings: Settings, result: StartupResult, wait: float = 600.0) -> None:
    """Start `casechat chat` on this index and time it until its API and first answer."""
    started = time.perf_counter()
    try:
        chat = ChatProcess(index_dir=settings.index_dir, env=_env(settings), wait=wait)
    except CasechatError as exc:
        result.error = str(exc)[-500:]
        return
    try:
        result.chat_api_ready_s = round(time.perf_counter() - started, 2)
        deadline = time.monotonic() + wait
        with httpx.Client(base_url=chat.url, timeout=120) as client:
            while True:  # the API may answer before the app is ready to: ask until it does
                try:
                    answer = ask(client, QUESTION)
                    break
                except (httpx.HTTPError, RuntimeError, ValueError, KeyError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        result.chat_first_answer_s = round(time.perf_counter() - started, 2)
        if GENERIC_ERROR in answer:
            result.error = "webchatten svarede med den generiske fejlbesked"
    except (httpx.HTTPError, RuntimeError, ValueError, KeyError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"[-500:]
    finally:
        chat.stop()


def startup(settings: Settings, with_chat: bool) -> StartupResult:
    """Stage by stage in a fresh process; with `with_chat` also the real chat's first answer."""
    result = StartupResult()
    stages_in_new_process(settings, result)
    if with_chat:
        chat_first_answer(settings, result)
    return result
