"""API Gateway's @connections management API (PostToConnection) as one signed HTTP request per message.

Why not boto3's `apigatewaymanagementapi` client: a fan-out to a trace's listeners is one POST per connection,
and botocore spends ~0.8 ms of CPU on each (its event hooks, user-agent assembly, endpoint rules, request
objects, headers and body written in two packets); this request is the same bytes, written at once, for a
fraction of that (measured in docs/tracing.md). What it keeps from boto3: the credentials chain (the session's
credentials, refreshed as boto3 refreshes them), botocore's SigV4 signer (service `execute-api`), the URL
botocore builds (`<endpoint>/@connections/<percent-encoded id>`), the CA bundle, and one retry of a throttled,
failed or unreachable call. Each thread keeps one keep-alive connection per endpoint (the fan-out's bounded
pool of threads is the connection pool). Works unchanged against AWS and the local runtime's @connections.
"""

from __future__ import annotations

import http.client
import random
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.httpsession import get_cert_path
from botocore.utils import percent_encode

from a2g.adapters.connections_port import ConnectionGone, PushFailed

__all__ = ["ConnectionGone", "ConnectionsApi", "PushFailed"]

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


class ConnectionsApi:
    def __init__(self, endpoint_url: str, region: str, credentials: Any = None,
                 connect_timeout: float = 3.0, read_timeout: float = 10.0):
        self._base = endpoint_url.rstrip("/")
        parts = urlsplit(self._base)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (443 if self._https else 80)
        self._ssl = ssl.create_default_context(cafile=get_cert_path(True)) if self._https else None
        self._region = region
        self._credentials = credentials
        self._timeouts = (connect_timeout, read_timeout)
        self._local = threading.local()

    def url(self, connection_id: str) -> str:
        return f"{self._base}/@connections/{percent_encode(connection_id)}"

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        url = self.url(connection_id)
        for attempt in (1, 2):
            try:
                status, body = self._send(url, data)
            except (OSError, http.client.HTTPException):
                # Mostly a kept-alive connection the server closed while idle: retry at once, on a new one.
                if attempt == 2:
                    raise
                continue
            if 200 <= status < 300:
                return
            if status == 410:
                raise ConnectionGone(connection_id)
            if status not in RETRIED_STATUSES or attempt == 2:
                raise PushFailed(connection_id, status, body)
            time.sleep(random.uniform(0.02, 0.1))  # throttled or failing: back off a little (jitter, not secrecy)

    def _send(self, url: str, data: bytes) -> tuple[int, bytes]:
        connection = self._connection()
        try:
            # Bytes bodies go out with the headers in one write (http.client), so the server wakes up once.
            connection.request("POST", urlsplit(url).path, body=data, headers=self._signed_headers(url, data))
            response = connection.getresponse()
            body = response.read()
        except BaseException:
            connection.close()
            self._local.connection = None
            raise
        if response.will_close:
            connection.close()
            self._local.connection = None
        return response.status, body

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            connect_timeout, read_timeout = self._timeouts
            if self._https:
                connection = http.client.HTTPSConnection(self._host, self._port, timeout=connect_timeout,
                                                         context=self._ssl)
            else:
                connection = http.client.HTTPConnection(self._host, self._port, timeout=connect_timeout)
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(read_timeout)
            self._local.connection = connection
        return connection

    def _signed_headers(self, url: str, data: bytes) -> dict[str, str]:
        credentials = self._credentials
        if credentials is None:
            from a2g.aws_session import botocore_session  # the process's one session (its credentials chain)

            credentials = self._credentials = botocore_session().get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials to sign post_to_connection with")
        request = AWSRequest("POST", url, data=data)
        SigV4Auth(credentials.get_frozen_credentials(), "execute-api", self._region).add_auth(request)
        return dict(request.headers.items())
