"""boto3 clients built once per process. With no explicit endpoint boto3 itself honours `AWS_ENDPOINT_URL`
and `AWS_ENDPOINT_URL_<SERVICE>`, so the same code reaches AWS, LocalStack or the local runtime."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from a2g.settings import get_settings


@lru_cache(maxsize=8)
def client(service: str, endpoint_url: str | None = None) -> Any:
    settings = get_settings()
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=settings.aws_region,
        endpoint_url=endpoint_url,
        config=Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"}),
    )


def probe_client(service: str) -> Any:
    """A client for one quick "does the store answer?" request: short timeouts and no retries (a probe that
    waited through botocore's retries would answer long after the question stopped mattering)."""
    import os

    settings = get_settings()
    endpoint = settings.dynamodb_endpoint_url if service == "dynamodb" else None  # boto3 reads the S3 one itself
    # Emulators (and the local runtime) serve every bucket under one host: path-style addressing, as chat does.
    emulated = bool(settings.aws_endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3"))
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=settings.aws_region, endpoint_url=endpoint,
        config=Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1},
                      s3={"addressing_style": "path"} if service == "s3" and emulated else {}),
    )
