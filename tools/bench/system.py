"""The machine a benchmark ran on, and the process's memory (Linux /proc)."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ("onnxruntime", "faiss-cpu", "bm25s", "sentence-transformers", "torch", "numpy")


@dataclass
class MachineInfo:
    """Cores, CPU model, memory, load before and after, library versions."""

    nproc: int | None
    cpu: str
    memory_gb: float
    python: str
    versions: dict[str, str | None]
    load_before: list[float]
    load_after: list[float] = field(default_factory=list)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> MachineInfo:
    """The machine as it is now (load_after is filled at the end of a run)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = None
    mem = 0.0
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    except (OSError, ValueError, IndexError):
        pass
    return MachineInfo(
        nproc=os.cpu_count(),
        cpu=cpu,
        memory_gb=round(mem, 1),
        python=platform.python_version(),
        versions=versions,
        load_before=load_average(),
    )


def _proc_status(key: str) -> float:
    """A /proc/self/status memory line in MB (VmRSS, VmHWM), 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak_rss() -> None:
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def rss_mb() -> float:
    return _proc_status("VmRSS")


def peak_rss_mb() -> float:
    return _proc_status("VmHWM")
