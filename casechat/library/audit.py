"""The audit log: one JSON line per change to the library, appended, never rewritten.

    <library>/audit.jsonl
    {"time": "2025-05-02T10:14:03+0200", "editor": "mette", "action": "add",
     "file": "odense-rapport.pdf", "sha256": "…"}

Actions: add, replace, remove, restore. An editor in the web chat is named by
their login; a change from the command line by `cli:<user>`.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from casechat.metrics import changed

FILE = "audit.jsonl"
ACTIONS = ("add", "replace", "remove", "restore")


@dataclass(frozen=True)
class Event:
    time: str
    editor: str
    action: str
    file: str
    sha256: str
    detail: str = ""


def cli_editor() -> str:
    """How a change made at the terminal is signed in the log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


class AuditLog:
    """Appends events to `<library>/audit.jsonl` (one write per line, under a file lock)."""

    def __init__(self, library: Path) -> None:
        self.path = library / FILE

    def record(self, editor: str, action: str, file: str, sha256: str, detail: str = "") -> Event:
        event = Event(time.strftime("%Y-%m-%dT%H:%M:%S%z"), editor, action, file, sha256, detail)
        line = json.dumps(asdict(event), ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        changed(editor, action, file)
        return event

    def events(self) -> list[Event]:
        """Every event, oldest first; a damaged line is passed over."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines:
            try:
                found.append(Event(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        return found

    def last_change(self) -> dict[str, str]:
        """File name -> time of its latest add, replace or restore."""
        return {e.file: e.time for e in self.events() if e.action != "remove"}
