"""The Python SDK's reading of what the platform (and API Gateway in front of it) answers, without a network:
error bodies to typed errors, and the pushes a chat run's WebSocket carries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

SDK_SRC = Path(__file__).resolve().parents[3] / "sdks" / "python" / "src"
if str(SDK_SRC) not in sys.path:
    sys.path.insert(0, str(SDK_SRC))

from a2g_sdk import (
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    NotFound,
    RunFailed,
    ServerError,
    UnexpectedResponse,
)
from a2g_sdk._core import Settings, final_message, read_answer, read_push
from a2g_sdk.errors import error_for_status


def test_the_platforms_error_body_and_api_gateways_bare_answers_become_typed_errors() -> None:
    conflict = error_for_status(409, {"error": {"code": "version_conflict", "message": "stale version"}}, "", "u")
    assert isinstance(conflict, Conflict) and (conflict.code, conflict.message) == ("version_conflict", "stale version")
    assert str(conflict) == "stale version (409 version_conflict)"
    refused = error_for_status(403, {"message": "Forbidden"}, "", "u")
    assert isinstance(refused, AuthenticationFailed) and refused.code == "credential_refused"
    assert isinstance(error_for_status(401, {"message": "Unauthorized"}, "", "u"), AuthenticationFailed)
    assert isinstance(error_for_status(503, {"error": {"code": "x", "message": "down"}}, "", "u"), ServerError)
    html = error_for_status(404, None, "<html>Not Found</html>", "http://elsewhere")
    assert isinstance(html, UnexpectedResponse) and "http://elsewhere answered HTTP 404" in html.message
    with pytest.raises(UnexpectedResponse, match="something other than JSON"):
        read_answer(200, "<html>", "http://elsewhere", "reading the agent")
    assert read_answer(204, "", "u", "deleting") is None


@pytest.mark.parametrize("code", ["invalid_api_key", "revoked_api_key", "invalid_token", "token_expired",
                                  "credential_required", "account_removed"])
def test_each_credential_refusal_is_an_authentication_failure_with_the_sdks_sentence(code: str) -> None:
    from a2g_sdk import CREDENTIAL_REFUSALS
    from a2g_sdk.errors import error_for_code

    refused = error_for_status(401, {"error": {"code": code, "message": "the platform's words"}}, "", "u")
    assert isinstance(refused, AuthenticationFailed)
    assert (refused.status, refused.code, refused.message) == (401, code, CREDENTIAL_REFUSALS[code])
    assert str(refused).count(".") <= 1 and "\n" not in str(refused)  # one sentence
    assert isinstance(error_for_code(code, "x"), AuthenticationFailed)
    # Any other 401 keeps the platform's own sentence.
    other = error_for_status(401, {"error": {"code": "session_reused", "message": "sign in again"}}, "", "u")
    assert isinstance(other, AuthenticationFailed) and other.message == "sign in again"


RID = "sdk-1"


def test_pushes_of_other_runs_and_api_gateways_timeouts_are_skipped() -> None:
    assert read_push(json.dumps({"type": "chunk", "request_id": "other", "delta": "x"}), RID) is None
    assert read_push(json.dumps({"type": "trace.entry", "trace_id": "t"}), RID) is None
    # After its 29 s integration limit API Gateway says so; the run goes on and keeps pushing.
    assert read_push(json.dumps({"message": "Endpoint request timed out", "connectionId": "c"}), RID) is None
    assert read_push("not json", RID) is None
    chunk = read_push(json.dumps({"type": "chunk", "request_id": RID, "delta": "he"}), RID)
    assert chunk == {"type": "chunk", "request_id": RID, "delta": "he"}


def test_a_refused_run_and_api_gateways_failures_raise() -> None:
    refused = {"type": "error", "request_id": RID, "error": {"code": "not_found", "message": "chat session not found"},
               "message": None}
    with pytest.raises(NotFound, match="chat session not found"):
        read_push(json.dumps(refused), RID)
    with pytest.raises(ServerError):
        read_push(json.dumps({"message": "Internal server error", "connectionId": "c", "requestId": "r"}), RID)
    with pytest.raises(UnexpectedResponse, match="no `invoke` route"):
        read_push(json.dumps({"message": "Forbidden", "connectionId": "c", "requestId": "r"}), RID)


def test_a_failed_run_keeps_its_saved_message() -> None:
    saved = {"message_id": "m", "session_id": "s", "role": "assistant", "content": "**The agent failed.**",
             "status": "error"}
    event = read_push(json.dumps({"type": "error", "request_id": RID, "message": saved,
                                  "error": {"code": "agent_error", "message": "boom"}}), RID)
    assert event is not None
    with pytest.raises(RunFailed) as failed:
        final_message(event)
    assert failed.value.code == "agent_error" and failed.value.run_message == saved


def test_settings_refuse_what_cannot_work(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("A2G_API_KEY", "A2G_TOKEN", "A2G_PLATFORM_URL", "A2G_WS_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match="no API key"):
        Settings.resolve("http://p", None, None, None)
    with pytest.raises(ConfigurationError, match="not both"):
        Settings.resolve("http://p", "a2g_sk_x", "token", None)
    with pytest.raises(ConfigurationError, match="no platform URL"):
        Settings.resolve(None, "a2g_sk_x", None, None)
    with pytest.raises(ConfigurationError, match="'ftp://p' is not an http"):
        Settings.resolve("ftp://p", "a2g_sk_x", None, None)
    assert Settings.resolve("https://agents.example.com/", "k", None, None).ws_url == "wss://agents.example.com/ws"
    monkeypatch.setenv("A2G_TOKEN", "tok")
    assert Settings.resolve("http://127.0.0.1:3000", None, None, None).credential == "tok"
