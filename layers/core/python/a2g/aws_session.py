"""The process's one botocore session, and the clients made from it, created on first use.

A botocore session reads the service models and endpoint data from disk and every client built from it
compiles its operations: 50-80 ms each on a Lambda's share of a vCPU. PynamoDB would make a session and a
client per model class and thread; boto3 would make its own default session. Everything here shares one
session, and each (service, endpoint, config) gets one client for the process — boto3 and botocore clients
are thread-safe once made, but making them is not, hence the lock. Nothing is imported or built at import:
a function that never calls AWS never pays for it.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()
_session: Any = None
_clients: dict[tuple[Any, ...], Any] = {}


def botocore_session() -> Any:
    """The process-wide `botocore.session.Session` (credentials, region and endpoints from the
    environment, as boto3's default session would read them)."""
    global _session
    if _session is None:
        with _lock:
            if _session is None:
                from botocore.session import get_session

                _session = get_session()
    return _session


def shared_client(service: str, *, region: str, endpoint_url: str | None = None, **config: Any) -> Any:
    """One botocore client per (service, region, endpoint, `botocore.config.Config` arguments) and process."""
    key = (service, region, endpoint_url, tuple(sorted((k, repr(v)) for k, v in config.items())))
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            from botocore.config import Config

            found = botocore_session().create_client(
                service, region_name=region, endpoint_url=endpoint_url, config=Config(**config)
            )
            _clients[key] = found
    return found


def forget_clients() -> None:
    """Drop every client (tests that swap credentials or endpoints mid-process; never needed on Lambda)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
