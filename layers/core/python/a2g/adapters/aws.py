"""AWS clients for the adapters, made on first use from the process's one botocore session (a2g.aws_session).

`client(service)` answers at once with a stand-in; the real client (one per service and endpoint for the
process) is made on the first call through it, so wiring an adapter at import costs nothing and a request
that never calls AWS never makes one. With no explicit endpoint botocore itself honours `AWS_ENDPOINT_URL`
and `AWS_ENDPOINT_URL_<SERVICE>`, so the same code reaches AWS, LocalStack or the local runtime.
"""

from __future__ import annotations

from typing import Any

from a2g.aws_session import shared_client
from a2g.settings import get_settings


class LazyClient:
    """A botocore client (the same methods and `.exceptions` as `boto3.client(service)`), made when first
    used."""

    __slots__ = ("_config", "_endpoint_url", "_service")

    def __init__(self, service: str, endpoint_url: str | None, **config: Any) -> None:
        self._service = service
        self._endpoint_url = endpoint_url
        self._config = config or {"connect_timeout": 3, "read_timeout": 10,
                                  "retries": {"max_attempts": 2, "mode": "standard"}}

    def real(self) -> Any:
        return shared_client(
            self._service, region=get_settings().aws_region, endpoint_url=self._endpoint_url, **self._config
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    def __repr__(self) -> str:
        return f"LazyClient({self._service!r}, {self._endpoint_url!r})"


def client(service: str, endpoint_url: str | None = None) -> Any:
    """The process's client for `service` at `endpoint_url`, made on its first call."""
    return LazyClient(service, endpoint_url)


def probe_client(service: str) -> Any:
    """A client for one quick "does the store answer?" request: short timeouts and no retries (a probe that
    waited through botocore's retries would answer long after the question stopped mattering)."""
    import os

    settings = get_settings()
    endpoint = settings.dynamodb_endpoint_url if service == "dynamodb" else None  # botocore reads the S3 one itself
    # Emulators (and the local runtime) serve every bucket under one host: path-style addressing, as chat does.
    emulated = bool(settings.aws_endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3"))
    return LazyClient(
        service, endpoint,
        connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1},
        s3={"addressing_style": "path"} if service == "s3" and emulated else {},
    )
