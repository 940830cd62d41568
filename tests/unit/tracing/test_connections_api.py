"""The lean PostToConnection request against a loopback HTTP server: the same URL and signing scope as boto3's
`apigatewaymanagementapi` client sends, 410 as `ConnectionGone`, one retry of a throttled or failed call."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from a2g.adapters.connections_api import ConnectionGone, ConnectionsApi, PushFailed
from botocore.config import Config
from botocore.credentials import Credentials

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")
CONNECTION_ID = "Ab+c/d=="  # API Gateway ids are base64: '+', '/' and '=' must be encoded as boto3 does


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests: list[dict[str, Any]]
    statuses: list[int]
    close_silently = False

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
        status = self.statuses.pop(0) if self.statuses else 200
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()
        # Like a load balancer dropping an idle kept-alive connection: closed without saying so.
        self.close_connection = self.close_silently

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[type[Recorder]]:
    handler = type("Handler", (Recorder,), {"requests": [], "statuses": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}/dev"  # type: ignore[attr-defined]
    yield handler
    httpd.shutdown()
    httpd.server_close()


def _scope(headers: dict[str, str]) -> str:
    authorization = headers["Authorization"]
    credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    return credential.split("/", 2)[2]  # region/service/aws4_request, after the key id and the date


def test_the_request_is_the_one_boto3_sends(server: Any) -> None:
    boto = boto3.client("apigatewaymanagementapi", region_name="eu-west-1", endpoint_url=server.url,
                        aws_access_key_id=CREDENTIALS.access_key, aws_secret_access_key=CREDENTIALS.secret_key,
                        aws_session_token=CREDENTIALS.token, config=Config(retries={"max_attempts": 1}))
    boto.post_to_connection(ConnectionId=CONNECTION_ID, Data=b'{"type":"x"}')
    ConnectionsApi(server.url, "eu-west-1", credentials=CREDENTIALS).post_to_connection(CONNECTION_ID,
                                                                                       b'{"type":"x"}')
    theirs, ours = server.requests
    assert ours["path"] == theirs["path"] == "/dev/@connections/Ab%2Bc%2Fd%3D%3D"
    assert ours["body"] == theirs["body"] == b'{"type":"x"}'
    assert _scope(ours["headers"]) == _scope(theirs["headers"]) == "eu-west-1/execute-api/aws4_request"
    assert ours["headers"]["X-Amz-Security-Token"] == "session-token"
    assert "x-amz-date" in ours["headers"]["Authorization"].split("SignedHeaders=", 1)[1]


def test_gone_is_connection_gone_and_not_retried(server: Any) -> None:
    server.statuses[:] = [410]
    with pytest.raises(ConnectionGone):
        ConnectionsApi(server.url, "us-east-1", credentials=CREDENTIALS).post_to_connection("c1", b"{}")
    assert len(server.requests) == 1


def test_a_throttled_call_is_retried_once(server: Any) -> None:
    server.statuses[:] = [429]
    ConnectionsApi(server.url, "us-east-1", credentials=CREDENTIALS).post_to_connection("c1", b"{}")
    assert len(server.requests) == 2
    server.requests.clear()
    server.statuses[:] = [503, 503]
    with pytest.raises(PushFailed) as failed:
        ConnectionsApi(server.url, "us-east-1", credentials=CREDENTIALS).post_to_connection("c1", b"{}")
    assert failed.value.status == 503 and len(server.requests) == 2


def test_a_refused_call_is_not_retried(server: Any) -> None:
    server.statuses[:] = [403]
    with pytest.raises(PushFailed):
        ConnectionsApi(server.url, "us-east-1", credentials=CREDENTIALS).post_to_connection("c1", b"{}")
    assert len(server.requests) == 1


def test_a_kept_alive_connection_the_server_dropped_is_replaced(server: Any) -> None:
    server.close_silently = True
    api = ConnectionsApi(server.url, "us-east-1", credentials=CREDENTIALS)
    for n in range(3):
        api.post_to_connection("c1", b'{"n":%d}' % n)
    assert [r["body"] for r in server.requests] == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
