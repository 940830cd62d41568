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
