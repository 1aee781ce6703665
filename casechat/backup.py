"""`casechat backup DIR` and `casechat restore-backup DIR`: everything a chat needs again.

A backup folder holds

    corpus/           the documents and their .meta.json sidecars
    library/          editors.json, audit.jsonl, logins.json, the recycle bin
    index/            CURRENT and the live generation (no rebuild needed)
    feedback.jsonl    the 👍/👎 votes (if any)
    backup.json       when, from where, and a SHA-256 of every file

It is taken while the chat runs: the library's change lock keeps editors from
changing the corpus meanwhile, and the build lock keeps a build from swapping
in (and tidying away) a generation while it is copied, so the corpus and the
index in the backup belong together. Restoring checks every file against
backup.json first, then puts the folders in place; what was there before is
moved aside to `<folder>.før-gendannelse-<time>`, never deleted.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from base.errors import BuildLockedError, CasechatError
from base.settings import Settings
from index.manifest import file_sha256
from index.store import CURRENT, build_lock, current_path

MANIFEST = "backup.json"
LOCK_WAIT = 600.0
_SKIP_LIBRARY = {"staging", ".changes.lock"}


@contextmanager
def _quiet(settings: Settings) -> Iterator[None]:
    """No library change and no index swap while the backup is taken."""
    settings.library.mkdir(parents=True, exist_ok=True)
    with (settings.library / ".changes.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                with build_lock(settings.index_dir):
                    yield
                return
            except BuildLockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)


def backup(settings: Settings, target: Path) -> dict:
    """Copy corpus, library, live index and feedback into the new folder `target`."""
    if target.exists() and any(target.iterdir()):
        raise CasechatError(f"Mappen {target} er ikke tom. Vælg en ny mappe til backuppen.")
    target.mkdir(parents=True, exist_ok=True)
    with _quiet(settings):
        live = current_path(settings.index_dir)
        if live is None:
            raise CasechatError("Der er intet indeks at tage backup af. Kør `casechat build`.")
        shutil.copytree(settings.corpus_dir, target / "corpus")
        if settings.library.is_dir():
            shutil.copytree(
                settings.library,
                target / "library",
                ignore=lambda _d, names: [n for n in names if n in _SKIP_LIBRARY],
            )
        shutil.copytree(live, target / "index" / live.name)
        (target / "index" / CURRENT).write_text(live.name + "\n", encoding="utf-8")
        if settings.feedback_path.is_file():
            shutil.copy2(settings.feedback_path, target / "feedback.jsonl")
    files = {
        str(p.relative_to(target)): file_sha256(p) for p in sorted(target.rglob("*")) if p.is_file()
    }
    manifest = {
        "made": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus": str(settings.corpus_dir),
        "index": live.name,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(settings: Settings, source: Path) -> dict:
    """Check the backup in `source`, then put it in place (old folders moved aside)."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CasechatError(f"{source} er ikke en casechat-backup ({MANIFEST} mangler).") from exc
    for name, digest in manifest.get("files", {}).items():
        path = source / name
        if not path.is_file() or file_sha256(path) != digest:
            raise CasechatError(f"Backuppen er beskadiget: {name} passer ikke. Intet er ændret.")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    places = [
        (source / "corpus", settings.corpus_dir),
        (source / "library", settings.library),
        (source / "index", settings.index_dir),
    ]
    for backup_dir, place in places:
        if not backup_dir.is_dir():
            continue
        if place.exists() and any(place.iterdir()):
            place.rename(place.with_name(f"{place.name}.før-gendannelse-{stamp}"))
        shutil.copytree(backup_dir, place, dirs_exist_ok=True)
    if (source / "feedback.jsonl").is_file():
        settings.feedback_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / "feedback.jsonl", settings.feedback_path)
    return manifest
