"""The lean DynamoDB client (a2g.adapters.dynamodb_wire): its SigV4 signature is botocore's for the same
request, and against a loopback server standing in for DynamoDB it retries what botocore retries (throttling,
5xx, a dropped connection, a bad checksum, unprocessed batch items) and maps the rest to the platform's errors."""

from __future__ import annotations

import http.server
import json
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import botocore.auth
import pytest
from a2g.adapters import dynamodb_wire
from a2g.adapters.dynamodb_wire import (
    ConditionFailed,
    DynamoDbWire,
    StorageRequestRefused,
    sign_v4,
)
from a2g.errors import StorageUnavailable, is_storage_outage
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = datetime(2026, 12, 2, 18, 30, 5, tzinfo=UTC)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def botocore_headers(url: str, body: bytes, token: str | None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    request = AWSRequest("POST", url, data=body, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"})
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    SigV4Auth(Credentials("AKIDEXAMPLE", SECRET, token), "dynamodb", "eu-west-1").add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize(("url", "host"), [("https://dynamodb.eu-west-1.amazonaws.com/", "dynamodb.eu-west-1.amazonaws.com"),
                                          ("http://127.0.0.1:8123/", "127.0.0.1:8123")])
@pytest.mark.parametrize("token", [None, "session-token/with+odd=chars"])
def test_the_signature_is_botocores_for_the_same_request(url: str, host: str, token: str | None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"TableName": "t", "Item": {"pk": {"S": "a  b"}}}).encode()
    expected = botocore_headers(url, body, token, monkeypatch)
    ours = sign_v4(method="POST", host=host, path="/", body=body, access_key="AKIDEXAMPLE", secret_key=SECRET,
                   token=token, region="eu-west-1", service="dynamodb", amz_date=NOW.strftime("%Y%m%dT%H%M%SZ"),
                   headers={"Content-Type": "application/x-amz-json-1.0",
                            "X-Amz-Target": "DynamoDB_20120810.PutItem"})
    assert ours["Authorization"] == expected["Authorization"]
    assert ours["X-Amz-Date"] == expected["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == expected.get("X-Amz-Security-Token")


def test_a_different_body_or_day_signs_differently() -> None:
    def sign(body: bytes, date: str) -> str:
        return sign_v4(method="POST", host="h", path="/", body=body, access_key="A", secret_key=SECRET, token=None,
                       region="r", service="dynamodb", amz_date=date, headers={"X-Amz-Target": "x"})["Authorization"]

    assert sign(b"{}", "20261202T000000Z") != sign(b"{ }", "20261202T000000Z")
    assert sign(b"{}", "20261202T000000Z") != sign(b"{}", "20261203T000000Z")


# ------------------------------------------------------------------------------------------------------
# Against a stand-in server
# ------------------------------------------------------------------------------------------------------


class FakeDynamo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    script: list[Any]  # per request: (status, body dict) | "drop" | ("badcrc", body)
    seen: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.seen.append({"target": self.headers["x-amz-target"], "body": json.loads(body),
                          "authorization": self.headers.get("authorization", "")})
        step = self.script.pop(0) if self.script else (200, {})
        if step == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if step == "answer-then-close":  # like a load balancer dropping an idle kept-alive connection, silently
            self.close_connection = True
            step = (200, {})
        bad_crc = step[0] == "badcrc"
        status, answer = (200, step[1]) if bad_crc else step
        raw = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("content-type", "application/x-amz-json-1.0")
        self.send_header("content-length", str(len(raw)))
        self.send_header("x-amz-crc32", str(zlib.crc32(raw) + (1 if bad_crc else 0)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[type[FakeDynamo]]:
    handler = type("Handler", (FakeDynamo,), {"script": [], "seen": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    yield handler
    httpd.shutdown()
    httpd.server_close()


def wire(server: type[FakeDynamo], sleeps: list[float] | None = None) -> DynamoDbWire:
    return DynamoDbWire(server.url, "eu-west-1",  # type: ignore[attr-defined]
                        credentials=Credentials("AKIDEXAMPLE", SECRET), max_attempts=3,
                        sleep=(sleeps.append if sleeps is not None else lambda _: None), now=lambda: NOW)


def test_a_call_sends_the_operation_and_its_json_and_reads_the_answer(server: type[FakeDynamo]) -> None:
    server.script = [(200, {"Attributes": {"calls": {"N": "3"}}})]
    answer = wire(server).update_item("usage", {"pk": {"S": "DAY#d"}, "sk": {"S": "D#x"}}, "ADD #c :c",
                                      names={"#c": "calls"}, values={":c": {"N": "1"}}, ReturnValues="UPDATED_NEW")
    assert answer == {"Attributes": {"calls": {"N": "3"}}}
    (request,) = server.seen
    assert request["target"] == "DynamoDB_20120810.UpdateItem"
    assert request["body"] == {"TableName": "usage", "Key": {"pk": {"S": "DAY#d"}, "sk": {"S": "D#x"}},
                               "UpdateExpression": "ADD #c :c", "ReturnValues": "UPDATED_NEW",
                               "ExpressionAttributeNames": {"#c": "calls"},
                               "ExpressionAttributeValues": {":c": {"N": "1"}}}
    assert request["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/eu-west-1/dynamodb/")


@pytest.mark.parametrize("failure", [
    (400, {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "message": "slow"}),
    (400, {"__type": "com.amazon.coral.availability#ThrottlingException"}),
    (500, {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError"}),
    (503, {}),
    "drop",
    ("badcrc", {}),
])
def test_what_botocore_retries_is_retried_with_back_off(server: type[FakeDynamo], failure: Any) -> None:
    server.script = [failure, failure, (200, {})]
    sleeps: list[float] = []
    wire(server, sleeps).put_item("t", {"pk": {"S": "a"}, "sk": {"S": "b"}})
    assert len(server.seen) == 3 and len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.025 and 0 <= sleeps[1] <= 0.05  # jittered, doubling


def test_a_kept_alive_connection_closed_while_idle_is_replaced_at_once(server: type[FakeDynamo]) -> None:
    server.script = ["answer-then-close", (200, {"Item": {}})]
    sleeps: list[float] = []
    client = wire(server, sleeps)
    client.put_item("t", {})
    assert client.call("GetItem", {"TableName": "t", "Key": {}}) == {"Item": {}}
    assert len(server.seen) == 2 and sleeps == []  # no back-off, no request lost or sent twice


def test_a_store_that_keeps_failing_is_an_outage_the_durable_writer_recognises(server: type[FakeDynamo]) -> None:
    server.script = [(500, {})] * 3
    with pytest.raises(StorageUnavailable) as caught:
        wire(server).put_item("t", {"pk": {"S": "a"}, "sk": {"S": "b"}})
    assert is_storage_outage(caught.value) and len(server.seen) == 3


def test_nothing_listening_is_an_outage() -> None:
    client = DynamoDbWire("http://127.0.0.1:9", "eu-west-1", credentials=Credentials("A", SECRET),
                          sleep=lambda _: None)
    with pytest.raises(StorageUnavailable) as caught:
        client.put_item("t", {})
    assert is_storage_outage(caught.value)


def test_a_failed_condition_is_a_conflict_and_not_retried(server: type[FakeDynamo]) -> None:
    server.script = [(400, {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                            "message": "The conditional request failed"})]
    with pytest.raises(ConditionFailed) as caught:
        wire(server).put_item("t", {}, ConditionExpression="attribute_not_exists(pk)")
    assert caught.value.status == 409 and not is_storage_outage(caught.value) and len(server.seen) == 1


def test_a_refused_request_is_ours_to_fix_not_an_outage(server: type[FakeDynamo]) -> None:
    server.script = [(400, {"__type": "com.amazon.coral.validate#ValidationException",
                            "message": "Item size has exceeded the maximum allowed size"})]
    with pytest.raises(StorageRequestRefused) as caught:
        wire(server).put_item("t", {})
    assert caught.value.error_code == "ValidationException" and caught.value.status == 500
    assert not is_storage_outage(caught.value) and len(server.seen) == 1


def test_unprocessed_batch_items_are_sent_again_until_written(server: type[FakeDynamo]) -> None:
    left = {"t": [{"PutRequest": {"Item": {"pk": {"S": "2"}}}}]}
    server.script = [(200, {"UnprocessedItems": left}), (200, {"UnprocessedItems": {}})]
    sleeps: list[float] = []
    wire(server, sleeps).put_items("t", [{"pk": {"S": "1"}}, {"pk": {"S": "2"}}])
    assert [len(r["body"]["RequestItems"]["t"]) for r in server.seen] == [2, 1] and len(sleeps) == 1
    server.seen.clear()
    server.script = [(200, {"UnprocessedItems": left})] * 3
    with pytest.raises(StorageUnavailable):
        wire(server).put_items("t", [{"pk": {"S": "2"}}])


def test_observers_see_each_call_once_whatever_its_retries(server: type[FakeDynamo]) -> None:
    seen: list[str] = []
    stop = dynamodb_wire.observe(seen.append)
    try:
        server.script = [(500, {}), (200, {})]
        wire(server).put_item("t", {})
        wire(server).call("GetItem", {"TableName": "t", "Key": {}})
    finally:
        stop()
    wire(server).put_item("t", {})
    assert seen == ["PutItem", "GetItem"]


def test_expiring_credentials_are_frozen_per_request(server: type[FakeDynamo]) -> None:
    class Rotating:
        def __init__(self) -> None:
            self.keys = iter(["AKIDFIRST", "AKIDSECOND"])

        def get_frozen_credentials(self) -> Any:
            return Credentials(next(self.keys), SECRET).get_frozen_credentials()

    client = DynamoDbWire(server.url, "eu-west-1", credentials=Rotating(),  # type: ignore[attr-defined]
                          now=lambda: NOW)
    client.put_item("t", {})
    client.put_item("t", {})
    assert [r["authorization"].split("Credential=")[1].split("/")[0] for r in server.seen] == ["AKIDFIRST",
                                                                                                "AKIDSECOND"]
