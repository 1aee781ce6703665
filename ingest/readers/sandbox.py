"""Run a parser of untrusted files in a child process with a time and memory limit.

A hostile or broken PDF, Word or HTML file can make a parser loop, eat all
memory or crash in C code. Each such file is parsed in a fresh Python
interpreter (a subprocess, never a fork of the threaded build process) that
sets RLIMIT_AS and RLIMIT_CPU on itself before it reads the file; the parent
waits at most `timeout` seconds and kills it. Request and answer travel as
JSON, so a child that a parser bug took over cannot hand the parent a pickle.
Whatever happens, the file costs one Danish reason, never the build.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from base.errors import CorpusError
from ingest.readers.base import FoundMeta, ReadDocument, ReadSection

#: Wall-clock limit per file: the 102-page manual reads in well under a second.
TIMEOUT_SECONDS = 120.0
#: Address-space limit of the child: interpreter, parser, the file and its text.
MEMORY_BYTES = 2 * 1024**3

_BOOT = "from ingest.readers.sandbox import child_main; child_main()"


@dataclass(frozen=True)
class Parsed:
    """A child's result: the document, the sha256 of the bytes it read, its peak memory."""

    document: ReadDocument
    sha256: str
    peak_rss_bytes: int


def read_file(
    path: str, fmt: str, max_bytes: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """In the child: read the file, parse it with its format's reader, return JSON data.
    `extra` are keyword arguments of the reader (the PDF reader's `ocr` texts)."""
    from ingest.readers import READERS

    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CorpusError(f"filen er over grænsen på {max_bytes // 10**6} MB")
    document = READERS[fmt].read(data, **(extra or {}))
    return {
        "document": asdict(document),
        "sha256": hashlib.sha256(data).hexdigest(),
        "peak": _peak_rss(),
    }


def _peak_rss() -> int:
    """This process's peak resident memory in bytes.

    VmHWM belongs to the address space and starts afresh at exec; ru_maxrss would
    also count the build process this child was forked from.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _document(raw: dict[str, Any]) -> ReadDocument:
    sections = raw["sections"]
    return ReadDocument(
        text=raw["text"],
        sections=None if sections is None else tuple(ReadSection(**s) for s in sections),
        pages=tuple((int(s), int(e)) for s, e in raw["pages"]),
        meta_found=FoundMeta(**raw["meta_found"]),
        page_count=raw["page_count"],
        first_heading=raw["first_heading"],
        ocr_pages=tuple(int(p) for p in raw.get("ocr_pages", ())),
    )


def child_main() -> None:
    """Entry point of the child interpreter: one JSON request on stdin, one answer."""
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # whatever a parser prints must not mix with the answer
    request = json.loads(sys.stdin.buffer.read())
    memory, cpu = request["memory"], request["cpu"]
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        func = getattr(importlib.import_module(request["module"]), request["func"])
        answer = {"ok": func(*request["args"])}
    except CorpusError as exc:
        answer = {"error": str(exc)}
    except MemoryError:
        answer = {"error": f"filen kræver over {memory // 1024**2} MB hukommelse at læse"}
    except Exception as exc:  # a parser's own exception: the file is broken, name it
        answer = {"error": f"filen kan ikke læses ({type(exc).__name__}: {exc})"[:500]}
    with os.fdopen(answer_fd, "w", encoding="utf-8") as out:
        json.dump(answer, out, ensure_ascii=False)


def run_isolated(
    func: Callable[..., Any],
    *args: Any,
    timeout: float | None = None,
    memory: int | None = None,
) -> Any:
    """`func(*args)` in a child interpreter with limits; CorpusError (Danish) on any failure.

    `func` must be a module-level function; arguments and result must be JSON.
    """
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    memory = MEMORY_BYTES if memory is None else memory
    request = {
        "module": func.__module__,
        "func": func.__name__,
        "args": list(args),
        "memory": memory,
        "cpu": int(timeout) + 5,
    }
    env = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PATH": os.defpath}
    child = subprocess.Popen(
        [sys.executable, "-c", _BOOT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )
    try:
        out, _ = child.communicate(json.dumps(request).encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise CorpusError(
            f"det tog over {timeout:.0f} s at læse filen; den er sandsynligvis "
            "beskadiget eller bygget til at få læsere til at hænge"
        ) from None
    try:
        answer = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CorpusError(_death_reason(child.returncode, memory)) from None
    if not isinstance(answer, dict) or "ok" not in answer:
        raise CorpusError(str(answer.get("error") if isinstance(answer, dict) else answer))
    return answer["ok"]


def parse_isolated(
    path: Path, fmt: str, max_bytes: int, extra: dict[str, Any] | None = None
) -> Parsed:
    """Parse `path` as `fmt` in a child process (limits: TIMEOUT_SECONDS, MEMORY_BYTES)."""
    raw = run_isolated(read_file, os.fspath(path), fmt, max_bytes, extra)
    try:
        return Parsed(_document(raw["document"]), str(raw["sha256"]), int(raw["peak"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise CorpusError(f"læseren gav et svar, der ikke kan bruges ({exc})") from exc


def _death_reason(returncode: int | None, memory: int) -> str:
    if returncode is not None and returncode < 0:
        return (
            f"læseren stoppede uventet (signal {-returncode}) – filen er sandsynligvis "
            f"beskadiget eller kræver over {memory // 1024**2} MB hukommelse"
        )
    return (
        f"læseren stoppede uventet (afslutningskode {returncode}); "
        "filen er sandsynligvis beskadiget"
    )
