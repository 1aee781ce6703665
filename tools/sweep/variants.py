"""Index variants for the sweeps, each a real index built in a temporary folder.

Chunking and the header in the embedded text change what is embedded, so each
such variant is built with `answer.build.build_index`. The analyzer and the
header in the keyword text change only the keyword fields: those variants
re-index the built index's own chunks with `LexicalIndex.build`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from answer.build import build_index
from answer.decision import AbstainRule
from answer.search import Searcher, open_searcher
from base.settings import ROOT, Chunking, Settings, selected_backend, sweep_cache
from index.analyze import ANALYZER, Analyzer
from index.fusion import Fusion
from index.lexical import LexicalIndex
from ingest.document import Chunk
from tools.evaluation import Question, Report, evaluate, load_questions
from tools.sweep.cache import CachedEmbedder, WithoutHeader

QUESTIONS = ROOT / "eval" / "questions.jsonl"


@dataclass(frozen=True)
class Variant:
    """One index configuration: chunking, where the header goes, the analyzer."""

    chunking: Chunking = Chunking()
    header_dense: bool = True
    header_lexical: bool = True
    analyzer: Analyzer = ANALYZER


class Runner:
    """Scores settings on the question set; builds each index variant once."""

    def __init__(
        self,
        questions: Sequence[Question] | None = None,
        embedder: CachedEmbedder | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.questions = list(questions or load_questions(QUESTIONS))
        self.embedder = embedder or CachedEmbedder(sweep_cache(selected_backend()))
        self.settings = settings or Settings.from_env()
        self._folder = tempfile.TemporaryDirectory(prefix="casechat-sweep-")
        self._built: dict[tuple[Chunking, bool], Settings] = {}

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temporary index folders."""
        self._folder.cleanup()

    def index(self, variant: Variant) -> Settings:
        """Settings of the built index for the variant's chunking and dense header."""
        key = (variant.chunking, variant.header_dense)
        if key not in self._built:
            settings = replace(
                self.settings,
                index_dir=Path(self._folder.name) / f"index-{len(self._built)}",
                chunking=variant.chunking,
                model=self.embedder.name,
            )
            embedder = self.embedder if variant.header_dense else WithoutHeader(self.embedder)
            build_index(settings, embedder, full=True)
            self._built[key] = settings
        return self._built[key]

    def searcher(
        self,
        variant: Variant = Variant(),
        fusion: Fusion | None = None,
        rule: AbstainRule | None = None,
    ) -> Searcher:
        searcher = open_searcher(self.index(variant), self.embedder, fusion=fusion, rule=rule)
        if variant.analyzer == ANALYZER and variant.header_lexical:
            return searcher
        snapshot = searcher.snapshot
        ids = snapshot.lexical.ids  # the build's row order: ties rank as in the build
        chunks = [snapshot.chunks[int(i)] for i in ids]
        texts = [c.embed_text() if variant.header_lexical else c.text for c in chunks]
        lexical = LexicalIndex.build(ids, texts, variant.analyzer)
        return Searcher(replace(snapshot, lexical=lexical), self.embedder, fusion, rule)

    def chunks(self, variant: Variant) -> list[Chunk]:
        return list(open_searcher(self.index(variant), self.embedder).snapshot.chunks.values())

    def run(
        self,
        variant: Variant = Variant(),
        mode: str = "hybrid",
        fusion: Fusion | None = None,
        rule: AbstainRule | None = None,
        questions: Sequence[Question] | None = None,
    ) -> Report:
        searcher = self.searcher(variant, fusion, rule)
        return evaluate(searcher, questions or self.questions, mode=mode, k=10)


OVERLAP = 0.175  # of the chunk size, as in the default 800/140


def sized(size: int, overlap: float = OVERLAP) -> Variant:
    return Variant(chunking=Chunking(size=size, overlap=round(size * overlap)))
