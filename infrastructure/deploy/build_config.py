"""What `make package` and `sam build` share: where things are, Lambda's limits, and how the layers split.

Read by package.py (the entry point), lambda_deps.py (third-party wheels) and lambda_checks.py (the checks).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

MB = 1024 * 1024
# Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
FUNCTION_ZIP_LIMIT = 50 * MB  # a zip uploaded directly; sam deploy goes through S3, this keeps functions small
UNZIPPED_LIMIT = 250 * MB  # a function and all its layers, unzipped
MAX_LAYERS = 5

CORE_LAYER = "CoreLayer"
# What moves from the core layer into a layer of its own: distributions from uv.lock and folders of
# layers/core/python. Anything not listed stays in the core layer, so a new dependency always works.
LAYER_SPLIT: dict[str, dict[str, list[str]]] = {
    "RankingLayer": {
        "distributions": ["numpy", "tokenizers", "safetensors"],
        "folders": ["a2g/ranking/model"],
    },
}
# Locked for the local tools but never imported on Lambda: tokenizers requires huggingface-hub only for
# `Tokenizer.from_pretrained` (downloads from the hub, which the platform never does), and these come with it.
NOT_SHIPPED = ["huggingface-hub", "hf-xet", "fsspec", "filelock", "tqdm", "pyyaml", "packaging"]
# Test suites inside third-party packages (numpy's are 15 MB) are never imported by the platform.
PRUNED_DIR_NAMES = {"tests", "__pycache__"}
TEMPLATE = REPO / "template.yaml"
# uv as the Makefile finds it (`make package` passes it): on the PATH, or where `pip install --user` puts it.
UV = os.environ.get("A2G_UV") or shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
LAYER_SOURCE = REPO / "layers" / "core" / "python"
DOCS_FUNCTION_FOLDER = "docs"


def mb(n: int) -> str:
    return f"{n / MB:6.1f} MB" if n >= MB // 10 else f"{n / 1024:6.1f} KB"
