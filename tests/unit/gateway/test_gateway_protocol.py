"""The gateway's JSON-RPC layer: the spec's error codes and the two wire shapes (v0.3 ↔ v1.0)."""

from __future__ import annotations

from typing import Any

import pytest
from a2g.gateway.protocol import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    RpcError,
    artifact_update,
    from_v1,
    parse_request,
    status_update,
    to_v1,
)

MESSAGE = {"kind": "message", "messageId": "m1", "role": "user", "parts": [{"kind": "text", "text": "hi"}]}


def _request(method: str, params: Any, **extra: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": params, **extra}


def test_push_config_methods_of_both_versions_are_push_operations() -> None:
    v03 = parse_request(_request("tasks/pushNotificationConfig/get", {"id": "t1"}), None)
    v1 = parse_request(_request("CreateTaskPushNotificationConfig", {"taskId": "t2", "url": "https://x"}), "1.0")
    assert (v03.operation, v03.version, v03.task_id()) == ("push", "0.3", "t1")
    assert (v1.operation, v1.version, v1.task_id()) == ("push", "1.0", "t2")
    with pytest.raises(RpcError) as caught:
        parse_request(_request("tasks/pushNotificationConfig/set", {}), None).task_id()
    assert caught.value.code == INVALID_PARAMS


@pytest.mark.parametrize(("body", "code"), [
    (None, PARSE_ERROR),
    ([], INVALID_REQUEST),
    ({"jsonrpc": "2.0", "method": "message/send", "params": {}}, INVALID_REQUEST),  # no id
    ({"jsonrpc": "2.0", "id": True, "method": "message/send", "params": {}}, INVALID_REQUEST),
    (_request("tasks/explode", {}), METHOD_NOT_FOUND),
    (_request("message/send", []), INVALID_PARAMS),
    (_request("message/send", {"message": {"parts": []}}), INVALID_PARAMS),
    (_request("message/send", {"message": {**MESSAGE, "contextId": "x" * 201}}), INVALID_PARAMS),
    (_request("tasks/get", {"id": ""}), INVALID_PARAMS),
])  # fmt: skip
def test_bad_requests_get_the_specs_codes(body: Any, code: int) -> None:
    with pytest.raises(RpcError) as caught:
        parse_request(body, None)
    assert caught.value.code == code
    assert caught.value.envelope()["error"]["code"] == code


def test_both_versions_name_the_same_operations() -> None:
    v03 = parse_request(_request("message/stream", {"message": MESSAGE}), None)
    v1 = parse_request(_request("SendStreamingMessage", {"message": {"parts": [{"text": "hi"}]}}), "1.0")
    assert (v03.operation, v03.version, v03.text()) == ("stream", "0.3", "hi")
    assert (v1.operation, v1.version, v1.text()) == ("stream", "1.0", "hi")
    assert parse_request(_request("GetTask", {"id": "t1"}), "1.0").task_id() == "t1"
    with pytest.raises(RpcError) as caught:  # a v1.0 method under another declared version
        parse_request(_request("GetTask", {"id": "t1"}), "0.3")
    assert caught.value.code == INVALID_REQUEST


def test_v1_shapes_round_trip() -> None:
    update = status_update("t1", "c1", "completed", "2026-12-02T00:00:00.000Z", final=True)
    wrapped = to_v1(update)
    assert wrapped == {"statusUpdate": {"taskId": "t1", "contextId": "c1",
                                        "status": {"state": "TASK_STATE_COMPLETED",
                                                   "timestamp": "2026-12-02T00:00:00.000Z"}}}
    assert from_v1(wrapped) == {k: v for k, v in update.items() if k != "final"}
    chunk = to_v1(artifact_update("t1", "c1", "he", append=False, last=False))
    assert chunk["artifactUpdate"]["artifact"]["parts"] == [{"text": "he"}]
    assert from_v1(chunk)["artifact"]["parts"] == [{"kind": "text", "text": "he"}]
    task = {"kind": "task", "id": "t1", "contextId": "c1", "status": {"state": "failed"},
            "history": [MESSAGE]}
    unwrapped = to_v1(task, wrap=False)
    assert unwrapped["status"]["state"] == "TASK_STATE_FAILED" and unwrapped["history"][0]["role"] == "ROLE_USER"
    assert "kind" not in unwrapped
