"""Train the answer model (answer/model.py) on one index, at build time, in seconds.

The training questions come from the index itself and from packaged text of
other domains, never from an evaluation set:

- **answerable**: pseudo-questions made from a seeded sample of the index's own
  passages: a window of one of its sentences, sometimes thinned to a few
  keywords. Each is ranked as a real question is; it counts (label 1) when its
  first passage holds the window's text, and is left out otherwise.
- **other domains** (verdict *none*): the same made from Danish and English
  sentences of Debian's manual pages (answer/other_domain.py); label 0.
- **other domains in the index's words**: the words of such a Danish sentence
  that the index has, 2-6 of them: a question whose words collide with the
  library's but whose meaning does not; label 0.
- **near the domain**: an answerable pseudo-question with its rarest word
  swapped for a word of the other domains that the index lacks; label 0.

The model is fitted on every question; its Platt step on the out-of-fold logits
of a seeded 5-fold cross-validation, whose probabilities also give the figures
(log-loss, Brier, AUC, per-kind verdict shares). Each question's randomness is
fixed by what it is made of, so a rebuild asks mostly the same questions and
reuses their vectors (answer/question_vectors.py); an index of few passages
trains on a smaller sample (`sample_scale`).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from answer.evidence import Evidencer
from answer.features import FEATURES, Featurizer
from answer.model import ANSWER_AT, NONE_BELOW, AnswerModel
from answer.other_domain import sample, sentences
from answer.question_vectors import embed_questions
from index.analyze import looks_english, words
from index.encoder import Embedder
from index.search import Ranker
from index.sentences import sentence_spans
from index.store import Snapshot

SEED = 11
PASSAGES = 400  # sampled passages, one answerable question each
OTHER = {"da": 240, "en": 120}  # questions from other domains per language
SWAPS = 160  # near-domain questions with a swapped key word
#: The chance that a content word of a pseudo-question is replaced by another passage's word.
REWORD = 0.5
#: The chance that an answerable pseudo-question gets a word the index has nowhere.
STRANGE_WORD = 0.3
_TOKEN = re.compile(r"\w[\w-]*")
MIN_ROWS = 20
#: An index of at least this many passages trains on the full sample; a smaller one on a
#: share of it in proportion to its passages, at least MIN_SCALE (sample_scale).
FULL_SAMPLE_AT = 64
MIN_SCALE = 0.15
#: Folds of the cross-validation whose out-of-fold logits fit the Platt step.
FOLDS = 5
#: Newton steps with a Cholesky solve: a few exact iterations for a dozen features, the
#: same optimum as the default L-BFGS in a fraction of its time.
SOLVER = "newton-cholesky"
#: An answerable pseudo-question counts when its passage is ranked first.
ANSWERED_IN = 1


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # "inside", "other_da", "other_en", "swap"
    window: str = ""  # the passage text it was made from (inside only)


def pseudo_question(
    sentence: str, rng: random.Random, others: list[str] = ()
) -> tuple[str, str] | None:
    """(question, the span of `sentence` it was made from), or None for a short one.

    A window of 4-10 words; half of the time thinned to 2-4 of its content words,
    as a keyword search is typed. A person words a question in their own way, not the
    passage's: each content word is replaced, with chance `REWORD`, by a word of
    `others` (words of other passages of the same index)."""
    tokens = _TOKEN.findall(sentence)
    if len(tokens) < 5:
        return None
    size = rng.randint(4, min(10, len(tokens)))
    start = rng.randint(0, len(tokens) - size)
    window = tokens[start : start + size]
    span = " ".join(window)
    picked = window
    if rng.random() < 0.5:
        content = [t for t in window if words(t)]
        if len(content) >= 2:
            keep = sorted(rng.sample(range(len(content)), min(len(content), rng.randint(2, 4))))
            picked = [content[i] for i in keep]
    if others:
        picked = [rng.choice(others) if words(t) and rng.random() < REWORD else t for t in picked]
    return " ".join(picked), span


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text) if len(_TOKEN.findall(text[a:b])) >= 6]


def _size(n: int, scale: float) -> int:
    return max(1, round(n * scale))


def _seeded(*parts: object) -> random.Random:
    """A random source fixed by `parts` alone (a passage's text, a sentence), so that a
    question made of unchanged material is the same in every build: its vector can be
    reused (answer/question_vectors.py), and the same passages train the same model however
    the index was built."""
    return random.Random(_hash(SEED, *parts))


class _Stable:
    """Picks from a list of words that barely move when the list changes (rendezvous
    hashing): a word wins by its own hash, so words coming or going elsewhere in the list
    do not change the pick."""

    def __init__(self, found: list[str]) -> None:
        self.found = found
        self._hashes = np.asarray(
            [int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest()) for w in found],
            dtype=np.uint64,
        )

    def pick(self, rng: random.Random) -> str:
        key = np.uint64(rng.getrandbits(64))
        return self.found[int(np.argmin(self._hashes ^ key))]


def _hash(*parts: object) -> bytes:
    return hashlib.blake2b("\0".join(str(p) for p in parts).encode()).digest()


def _slots(chunks: dict, total: int) -> list[tuple[int, int, int]]:
    """(passage, its n-th question, the passage after it) for `total` answerable questions.

    Every passage offers as many slots as a passage needs to reach `total`; the slots with
    the lowest hash of (text, n) win. A new passage adds its own slots without moving the
    others' (only the last winners may drop out), so a rebuild asks mostly the same
    questions."""
    order = sorted(chunks, key=lambda c: _hash(chunks[c].text))
    after = {c: order[(i + 1) % len(order)] for i, c in enumerate(order)}
    repeats = -(-total // len(order))
    offered = [(c, n) for c in order for n in range(repeats)]
    offered.sort(key=lambda s: _hash(chunks[s[0]].text, s[1]))
    return [(c, n, after[c]) for c, n in offered[:total]]


def questions(snapshot: Snapshot, scale: float = 1.0) -> list[Question]:
    """The training questions of one index (see the module docstring); `scale` multiplies
    every group's size. Each question's randomness is fixed by what it is made of
    (`_seeded`)."""
    chunks = snapshot.chunks
    lex = snapshot.lexical
    strange = _Stable(_strange_words(snapshot))
    out: list[Question] = []
    for cid, n, after in _slots(chunks, _size(PASSAGES, scale)):
        rng = _seeded("inside", chunks[cid].text, n)
        found = _sentences(chunks[cid].text)
        other = chunks[after].text
        own = set(_TOKEN.findall(chunks[cid].text.lower()))
        others = [t for t in _TOKEN.findall(other) if len(t) >= 4 and t.lower() not in own]
        made = pseudo_question(rng.choice(found), rng, others) if found else None
        if not made:
            continue
        text = made[0]
        # People use words the library never does: some answerable questions get one.
        if strange.found and rng.random() < STRANGE_WORD:
            tokens = text.split()
            tokens.insert(rng.randint(0, len(tokens)), strange.pick(rng))
            text = " ".join(tokens)
        out.append(Question(text, "inside", made[1]))
    rng = _seeded("other")  # the same other-domain questions for every index
    for lang, n in OTHER.items():
        for text in sample(lang, _size(n, scale), rng.randrange(1 << 30)):
            made = pseudo_question(text, rng)
            if made:
                out.append(Question(made[0], f"other_{lang}"))
    # Other domains in the index's own words: a question whose words all collide with the
    # library's (a recipe that "bager") must be told apart by meaning, not by words.
    for text in sample("da", _size(OTHER["da"], scale), rng.randrange(1 << 30)):
        known = [
            t
            for t in _TOKEN.findall(text)
            if words(t) and all(lex.doc_freq(w) > 0 for w in words(t))
        ]
        if len(known) >= 2:
            pick = _seeded("known", text)
            start = pick.randint(0, max(0, len(known) - 6))
            out.append(Question(" ".join(known[start : start + pick.randint(2, 6)]), "other_known"))
    inside = [q for q in out if q.kind == "inside"]
    inside.sort(key=lambda q: _hash(q.text))
    for q in inside[: _size(SWAPS, scale)] if strange.found else ():
        tokens = _TOKEN.findall(q.text)
        known = [t for t in tokens if words(t) and lex.doc_freq(words(t)[0]) > 0]
        if not known:
            continue
        key = min(known, key=lambda t: lex.doc_freq(words(t)[0]))
        word = strange.pick(_seeded("swap", q.text))
        out.append(Question(" ".join(word if t == key else t for t in tokens), "swap"))
    return out


def _strange_words(snapshot: Snapshot) -> list[str]:
    """Words of the other domains' Danish sentences that the index has nowhere."""
    lex = snapshot.lexical
    return sorted(
        {
            t
            for s in sentences("da")
            for t in _TOKEN.findall(s.lower())
            if len(t) >= 5 and t.isalpha() and all(lex.doc_freq(w) == 0 for w in words(t))
        }
    )


def _answers(window: str, text: str) -> bool:
    return " ".join(_TOKEN.findall(window)).lower() in " ".join(_TOKEN.findall(text)).lower()


@dataclass(frozen=True)
class Rows:
    """The training questions of one index as feature rows: one row per question (its
    best passage), its label, its kind and the English cosine shift."""

    x: np.ndarray
    y: np.ndarray
    kinds: np.ndarray
    shift: float


def training_rows(
    snapshot: Snapshot, embedder: Embedder, scale: float = 1.0, folder: Path | None = None
) -> Rows | None:
    """Make, embed (in one batch; those of the last build in `folder` are reused) and rank
    the training questions of this index; None when too few are left to learn from."""
    made = questions(snapshot, scale)
    ranker = Ranker(snapshot, embedder)
    places = sorted({m for c in snapshot.chunks.values() for m in c.municipalities})
    featurizer = Featurizer(Evidencer(snapshot, places))
    vectors = embed_questions(embedder, [q.text for q in made], folder)
    rankings = [ranker.rank(q.text, vec=vectors[i : i + 1]) for i, q in enumerate(made)]
    shift = _english_shift(made, rankings)
    rows, labels, kinds = [], [], []
    for q, ranking in zip(made, rankings, strict=True):
        cids, x = featurizer.rows(ranking, ANSWERED_IN, shift)
        if not cids:
            continue
        if q.kind == "inside" and not _answers(q.window, snapshot.chunks[cids[0]].text):
            continue  # the ranking missed its passage: neither a clean positive nor a negative
        rows.append(x[0])  # the question's best passage stands for the question
        labels.append(int(q.kind == "inside"))
        kinds.append(q.kind)
    y = np.asarray(labels)
    if len(rows) < MIN_ROWS or y.sum() < FOLDS or (1 - y).sum() < FOLDS:
        return None
    return Rows(np.asarray(rows, np.float64), y, np.asarray(kinds), shift)


def _fit(z: np.ndarray, y: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=1.0, class_weight="balanced", solver=SOLVER, max_iter=1000)
    return model.fit(z, y)


def _platt(logit: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The Platt pair on out-of-sample logits; answerable and unanswerable questions weigh
    the same (an even prior)."""
    step = LogisticRegression(C=1e4, class_weight="balanced", solver=SOLVER, max_iter=1000)
    step.fit(logit[:, None], y)
    return float(step.coef_[0][0]), float(step.intercept_[0])


def fit(rows: Rows) -> AnswerModel:
    """The logistic regression on every training question, its Platt step on the
    out-of-fold logits of a `FOLDS`-fold cross-validation (seeded, stratified), and the
    figures of those out-of-fold probabilities."""
    x, y = rows.x, rows.y
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    heldout = np.zeros(len(y))
    for inside, outside in folds.split(z, y):
        part = _fit(z[inside], y[inside])
        heldout[outside] = z[outside] @ part.coef_[0] + part.intercept_[0]
    a, b = _platt(heldout, y)
    model = _fit(z, y)
    fitted = AnswerModel(
        features=FEATURES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        platt=(a, b),
        english_shift=rows.shift,
        answer_at=ANSWER_AT,
        none_below=NONE_BELOW,
    )
    p = 1.0 / (1.0 + np.exp(-(a * heldout + b)))
    return replace(fitted, figures=_figures(fitted, p, y, rows.kinds))


def sample_scale(passages: int) -> float:
    """The share of the full training sample an index of this many passages gets: a few
    passages cannot give hundreds of different questions (their pseudo-questions repeat
    the same sentences), so a small index trains on fewer, down to `MIN_SCALE`."""
    return min(1.0, max(MIN_SCALE, passages / FULL_SAMPLE_AT))


def train(
    snapshot: Snapshot, embedder: Embedder, scale: float | None = None, folder: Path | None = None
) -> AnswerModel | None:
    """The answer model of this index (None for an index too small to learn from); `folder`
    keeps the training questions' vectors between builds (answer/question_vectors.py)."""
    if len(snapshot.chunks) < 3:
        return None
    if scale is None:
        scale = sample_scale(len(snapshot.chunks))
    rows = training_rows(snapshot, embedder, scale, folder)
    return fit(rows) if rows is not None else None


def _english_shift(made: list[Question], rankings: list) -> float:
    """How much lower English text of other domains scores than Danish (best cosines)."""
    tops = {"other_da": [], "other_en": []}
    for q, r in zip(made, rankings, strict=True):
        if q.kind in tops and r.dense_scores and (q.kind == "other_da") != looks_english(q.text):
            tops[q.kind].append(max(r.dense_scores.values()))
    if not tops["other_da"] or not tops["other_en"]:
        return 0.0
    return max(0.0, float(np.median(tops["other_da"]) - np.median(tops["other_en"])))


def _figures(model: AnswerModel, p: np.ndarray, y: np.ndarray, kinds: np.ndarray) -> dict:
    """Out-of-fold figures: `p` is each question's probability from the folds that did not
    see it (one row per question)."""
    out: dict = {
        "positives": int(y.sum()),
        "negatives": int(len(y) - y.sum()),
        "questions": {str(k): int((kinds == k).sum()) for k in sorted(set(kinds))},
        "heldout_rows": len(y),
        "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "auc": round(float(roc_auc_score(y, p)), 4),
    }
    verdicts: dict[str, list[str]] = {}
    for kind, value in zip(kinds, p, strict=True):
        verdicts.setdefault(str(kind), []).append(model.verdict(float(value)))
    out["heldout_verdicts"] = {
        kind: {v: round(vs.count(v) / len(vs), 3) for v in ("answer", "nearest", "none")}
        for kind, vs in sorted(verdicts.items())
    }
    return out
