"""Each adapter against a protocol-faithful fake of its framework's server (httpx.MockTransport).

The real servers are exercised in tests/e2e/adapters; these cover the protocol corners a real server
rarely shows on demand: version fallbacks, error events, lost sessions, replaced artifacts.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from a2g.agent_adapters import (
    AgentMisconfigured,
    AgentProtocolError,
    AgentRunFailed,
    AgentUnavailable,
    FinalText,
    Progress,
    StateUpdate,
    TextDelta,
    adapter_for,
)
from a2g.agent_adapters._common import sse_events
from a2g.agent_adapters.langgraph import thread_id_for

from tests.unit.agent_adapters.adapter_fakes import MockHttp, attachment, call, collect, sse


def _text(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def _final(events: list) -> str | None:
    finals = [e.text for e in events if isinstance(e, FinalText)]
    return finals[-1] if finals else None


# --- SSE ---------------------------------------------------------------------------------------------------


async def test_sse_parser_handles_multiline_data_comments_crlf_ids_and_a_missing_last_blank_line() -> None:
    body = b": keep-alive\r\nevent: a\r\ndata: one\r\ndata: two\r\n\r\ndata:three\nid: 7\n\ndata: tail"
    response = httpx.Response(200, content=body)
    events = [e async for e in sse_events(response)]
    assert [(e.event, e.data, e.id) for e in events] == [("a", "one\ntwo", None), ("", "three", "7"),
                                                         ("", "tail", "7")]  # fmt: skip


def test_unknown_framework_is_refused() -> None:
    with pytest.raises(AgentMisconfigured):
        adapter_for("SMOLAGENTS", MockHttp(lambda r: httpx.Response(500)))


# --- A2A ---------------------------------------------------------------------------------------------------


def _rpc(request: httpx.Request) -> dict:
    return json.loads(request.content)


async def test_a2a_v1_streaming_turns_artifacts_into_deltas_and_status_into_progress() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        rpc = _rpc(request)
        assert rpc["method"] == "SendStreamingMessage"
        assert request.headers["a2a-version"] == "1.0"
        rid = rpc["id"]
        return sse(
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"task": {"id": "t1", "contextId": "ctx-1",
                                                                    "status": {"state": "TASK_STATE_SUBMITTED"}}}}),
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"statusUpdate": {"taskId": "t1", "contextId": "ctx-1",
             "status": {"state": "TASK_STATE_WORKING", "message": {"role": "ROLE_AGENT", "messageId": "m",
                                                                    "parts": [{"text": "looking it up"}]}}}}}),
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"artifactUpdate": {"taskId": "t1", "contextId": "ctx-1",
             "artifact": {"artifactId": "a1", "parts": [{"text": "Hello "}]}}}}),
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"artifactUpdate": {"taskId": "t1", "contextId": "ctx-1",
             "append": True, "artifact": {"artifactId": "a1", "parts": [{"text": "world"}]}}}}),
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"statusUpdate": {"taskId": "t1", "contextId": "ctx-1",
             "status": {"state": "TASK_STATE_COMPLETED"}}}}),
        )  # fmt: skip

    http = MockHttp(server)
    events = await collect(adapter_for("A2A", http).run(call("A2A", {"base_url": "http://a2a.test/"})))
    assert _text(events) == "Hello world"
    assert Progress("looking it up") in events
    assert StateUpdate("a2a_context_id", "ctx-1") in events
    assert StateUpdate("a2a_protocol", "1.0") in events
    sent = _rpc(http.requests[0])
    assert sent["params"]["message"]["role"] == "ROLE_USER"
    assert sent["params"]["message"]["parts"] == [{"text": "hi"}]
    assert sent["params"]["message"]["metadata"]["a2g_trace_id"] == "trc_1"
    assert http.requests[0].headers["x-a2g-trace-id"] == "trc_1"
    assert http.requests[0].headers["x-a2g-session-id"] == "ses_1"


async def test_a2a_falls_back_to_v03_when_v1_is_not_spoken_and_continues_the_context() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        rpc = _rpc(request)
        if rpc["method"] == "SendStreamingMessage":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": rpc["id"],
                                             "error": {"code": -32601, "message": "Method not found"}})  # fmt: skip
        assert rpc["method"] == "message/stream"
        assert rpc["params"]["message"]["contextId"] == "ctx-old"
        assert rpc["params"]["message"]["parts"][0] == {"kind": "text", "text": "hi"}
        return sse(
            (None, {"jsonrpc": "2.0", "id": rpc["id"], "result": {"kind": "status-update", "taskId": "t",
             "contextId": "ctx-old", "status": {"state": "working"}, "final": False}}),
            (None, {"jsonrpc": "2.0", "id": rpc["id"], "result": {"kind": "artifact-update", "taskId": "t",
             "contextId": "ctx-old", "artifact": {"artifactId": "x", "parts": [{"kind": "text", "text": "v0.3 hi"}]}}}),
            (None, {"jsonrpc": "2.0", "id": rpc["id"], "result": {"kind": "status-update", "taskId": "t",
             "contextId": "ctx-old", "status": {"state": "completed"}, "final": True}}),
        )  # fmt: skip

    http = MockHttp(server)
    events = await collect(adapter_for("A2A", http).run(
        call("A2A", {"base_url": "http://a2a.test"}, state={"a2a_context_id": "ctx-old"})))  # fmt: skip
    assert _text(events) == "v0.3 hi"
    assert StateUpdate("a2a_protocol", "0.3") in events
    assert [_rpc(r)["method"] for r in http.requests] == ["SendStreamingMessage", "message/stream"]


async def test_a2a_uses_the_remembered_version_and_the_non_streaming_fallback() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        rpc = _rpc(request)
        if rpc["method"] == "message/stream":
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": rpc["id"],
                                             "error": {"code": -32004, "message": "Streaming is not supported"}})  # fmt: skip
        assert rpc["method"] == "message/send"
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": rpc["id"], "result": {
            "kind": "task", "id": "t", "contextId": "c", "status": {"state": "completed"},
            "artifacts": [{"artifactId": "r", "parts": [{"kind": "text", "text": "whole answer"}]}]}})  # fmt: skip

    http = MockHttp(server)
    events = await collect(adapter_for("A2A", http).run(
        call("A2A", {"base_url": "http://a2a.test"}, state={"a2a_protocol": "0.3"})))  # fmt: skip
    assert _text(events) == "whole answer"
    assert StateUpdate("a2a_streaming", "false") in events
    assert [_rpc(r)["method"] for r in http.requests] == ["message/stream", "message/send"]


async def test_a2a_answer_as_a_direct_message_and_a_replaced_artifact() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        rid = _rpc(request)["id"]
        return sse(
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"artifactUpdate": {"taskId": "t", "contextId": "c",
             "artifact": {"artifactId": "a", "parts": [{"text": "draft"}]}}}}),
            (None, {"jsonrpc": "2.0", "id": rid, "result": {"artifactUpdate": {"taskId": "t", "contextId": "c",
             "artifact": {"artifactId": "a", "parts": [{"text": "final version"}]}}}}),
        )  # fmt: skip

    events = await collect(
        adapter_for("A2A", MockHttp(server)).run(call("A2A", {"base_url": "http://a.test"}))
    )
    assert _text(events) == "draft" and _final(events) == "final version"

    def message_server(request: httpx.Request) -> httpx.Response:
        rid = _rpc(request)["id"]
        return sse(
            (
                None,
                {
                    "jsonrpc": "2.0",
                    "id": rid,
                    "result": {
                        "message": {
                            "messageId": "m",
                            "role": "ROLE_AGENT",
                            "contextId": "c",
                            "parts": [{"text": "direct reply"}],
                        }
                    },
                },
            )
        )

    events = await collect(
        adapter_for("A2A", MockHttp(message_server)).run(call("A2A", {"base_url": "http://a.test"}))
    )
    assert _text(events) == "direct reply" and _final(events) is None


async def test_a2a_failed_task_and_json_rpc_errors_are_agent_errors() -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        rid = _rpc(request)["id"]
        return sse((None, {"jsonrpc": "2.0", "id": rid, "result": {"statusUpdate": {"taskId": "t",
                    "contextId": "c", "status": {"state": "TASK_STATE_FAILED", "message": {
                        "messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": "quota exceeded"}]}}}}}))  # fmt: skip

    with pytest.raises(AgentRunFailed, match="quota exceeded"):
        await collect(adapter_for("A2A", MockHttp(failing)).run(call("A2A", {"base_url": "http://a.test"})))

    def invalid(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad"}}
        )

    with pytest.raises(AgentRunFailed, match="-32602"):
        await collect(adapter_for("A2A", MockHttp(invalid)).run(call("A2A", {"base_url": "http://a.test"})))


async def test_a2a_attachments_are_file_parts_inline_when_small() -> None:
    sent: list[dict] = []

    def server(request: httpx.Request) -> httpx.Response:
        rpc = _rpc(request)
        sent.append(rpc)
        return sse((None, {"jsonrpc": "2.0", "id": rpc["id"], "result": {"message": {"messageId": "m",
                    "role": "ROLE_AGENT", "parts": [{"text": "got it"}]}}}))  # fmt: skip

    files = (attachment("a.png", "image/png", b"PNG"),)
    await collect(adapter_for("A2A", MockHttp(server)).run(
        call("A2A", {"base_url": "http://a.test"}, attachments=files)))  # fmt: skip
    parts = sent[0]["params"]["message"]["parts"]
    assert parts[1] == {"raw": "UE5H", "mediaType": "image/png", "filename": "a.png"}


# --- Agno --------------------------------------------------------------------------------------------------


async def test_agno_agent_stream_with_form_fields_and_an_uploaded_image() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/agents/researcher/runs"
        return sse(
            ("RunStarted", {"event": "RunStarted", "run_id": "r"}),
            ("RunContent", {"event": "RunContent", "content": "Hel"}),
            ("ToolCallStarted", {"event": "ToolCallStarted", "tool": {"tool_name": "search"}}),
            ("RunContent", {"event": "RunContent", "content": "lo"}),
            ("RunCompleted", {"event": "RunCompleted", "content": "Hello"}),
        )

    http = MockHttp(server)
    files = (
        attachment("cat.png", "image/png", b"PNGDATA"),
        attachment("notes.txt", "text/plain", b"remember"),
    )
    events = await collect(adapter_for("AGNO", http).run(
        call("AGNO", {"base_url": "http://agno.test/", "agno_agent_id": "researcher"}, attachments=files)))  # fmt: skip
    assert _text(events) == "Hello" and _final(events) == "Hello"
    assert Progress("calling search") in events
    body = http.requests[0].content
    assert http.requests[0].headers["content-type"].startswith("multipart/form-data")
    for field in (b'name="message"', b'name="stream"', b'name="session_id"', b"ses_1", b'name="user_id"',
                  b"alice", b"a2g_trace_id", b'filename="cat.png"', b"PNGDATA", b"remember"):  # fmt: skip
        assert field in body
    assert b'filename="notes.txt"' not in body  # text is pasted into the message, not uploaded


async def test_agno_team_uses_only_the_teams_own_content() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/teams/crew/runs"
        return sse(
            ("TeamRunStarted", {"event": "TeamRunStarted"}),
            (
                "TeamToolCallStarted",
                {
                    "event": "TeamToolCallStarted",
                    "team_name": "crew",
                    "tool": {"tool_name": "delegate_task_to_member"},
                },
            ),
            ("RunContent", {"event": "RunContent", "agent_id": "member", "content": "member chatter"}),
            ("TeamRunContent", {"event": "TeamRunContent", "content": "Team answer"}),
            ("TeamRunCompleted", {"event": "TeamRunCompleted", "content": "Team answer"}),
        )

    events = await collect(adapter_for("AGNO", MockHttp(server)).run(
        call("AGNO", {"base_url": "http://agno.test", "agno_team_id": "crew"})))  # fmt: skip
    assert _text(events) == "Team answer"
    assert any(isinstance(e, Progress) and "delegate_task_to_member" in e.text for e in events)


async def test_agno_errors_and_misconfiguration() -> None:
    def erroring(request: httpx.Request) -> httpx.Response:
        return sse(("RunError", {"event": "RunError", "content": "model exploded"}))

    with pytest.raises(AgentRunFailed, match="model exploded"):
        await collect(adapter_for("AGNO", MockHttp(erroring)).run(
            call("AGNO", {"base_url": "http://a.test", "agno_agent_id": "x"})))  # fmt: skip

    def missing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "Agent not found"})

    with pytest.raises(AgentUnavailable, match="404: Agent not found"):
        await collect(adapter_for("AGNO", MockHttp(missing)).run(
            call("AGNO", {"base_url": "http://a.test", "agno_agent_id": "x"})))  # fmt: skip
    with pytest.raises(AgentMisconfigured):
        await collect(adapter_for("AGNO", MockHttp(missing)).run(call("AGNO", {"base_url": "http://a.test"})))


# --- Google ADK --------------------------------------------------------------------------------------------


def _adk_event(text: str, partial: bool | None = None, author: str = "root") -> dict:
    event: dict = {"author": author, "content": {"role": "model", "parts": [{"text": text}]}}
    if partial is not None:
        event["partial"] = partial
    return event


async def test_adk_creates_the_session_then_streams_partials_without_repeating_the_final_text() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/apps/helper/users/alice/sessions":
            body = json.loads(request.content)
            assert body["session_id"] == "ses_1" and body["state"]["a2g_trace_id"] == "trc_1"
            return httpx.Response(200, json={"id": "ses_1"})
        assert request.url.path == "/run_sse"
        body = json.loads(request.content)
        assert body["streaming"] is True and body["session_id"] == "ses_1"
        assert body["state_delta"]["a2g_session_id"] == "ses_1"
        return sse(
            (None, {"author": "root", "content": {"parts": [{"functionCall": {"name": "transfer_to_agent"}}]},
                    "actions": {"transferToAgent": "expert"}}),
            (None, _adk_event("Hi ", True, "expert")),
            (None, _adk_event("there", True, "expert")),
            (None, _adk_event("Hi there", None, "expert")),
        )  # fmt: skip

    http = MockHttp(server)
    events = await collect(adapter_for("ADK", http).run(call("ADK", {"base_url": "http://adk.test",
                                                                     "adk_app_name": "helper"})))  # fmt: skip
    assert _text(events) == "Hi there"
    assert StateUpdate("adk_session", "ses_1") in events
    assert Progress("handing over to expert") in events
    assert [r.url.path for r in http.requests] == ["/apps/helper/users/alice/sessions", "/run_sse"]


async def test_adk_without_partials_uses_the_final_event_and_recreates_a_lost_session() -> None:
    runs = {"count": 0}

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sessions"):
            return httpx.Response(200, json={"id": "ses_1"})
        runs["count"] += 1
        if runs["count"] == 1:
            return httpx.Response(404, json={"detail": "Session not found: ses_1"})
        return sse((None, _adk_event("complete answer")))

    http = MockHttp(server)
    events = await collect(adapter_for("ADK", http).run(
        call("ADK", {"base_url": "http://adk.test", "adk_app_name": "helper"},
             state={"adk_session": "ses_1"})))  # fmt: skip
    assert _text(events) == "complete answer"
    assert [r.url.path for r in http.requests] == [
        "/run_sse",
        "/apps/helper/users/alice/sessions",
        "/run_sse",
    ]


async def test_adk_error_events_fail_the_run() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sessions"):
            return httpx.Response(200, json={})
        return sse((None, {"errorCode": "500", "errorMessage": "LLM call failed"}))

    with pytest.raises(AgentRunFailed, match="LLM call failed"):
        await collect(adapter_for("ADK", MockHttp(server)).run(
            call("ADK", {"base_url": "http://adk.test", "adk_app_name": "helper"})))  # fmt: skip


# --- LangGraph ---------------------------------------------------------------------------------------------


async def test_langgraph_streams_ai_chunks_and_takes_the_final_state_answer() -> None:
    thread = thread_id_for("ses_1")

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/threads":
            body = json.loads(request.content)
            assert body["thread_id"] == thread and body["if_exists"] == "do_nothing"
            assert body["metadata"]["a2g_trace_id"] == "trc_1"
            return httpx.Response(200, json={"thread_id": thread})
        assert request.url.path == f"/threads/{thread}/runs/stream"
        body = json.loads(request.content)
        assert body["assistant_id"] == "supervisor"
        assert body["stream_mode"] == ["messages-tuple", "values"]
        assert body["config"]["configurable"]["a2g_trace_id"] == "trc_1"
        return sse(
            ("metadata", {"run_id": "r"}),
            ("messages", [{"type": "AIMessageChunk", "content": "", "tool_call_chunks": [{"name": "transfer_to_math"}],
                           "name": "supervisor"}, {"langgraph_node": "supervisor"}]),
            ("messages", [{"type": "tool", "content": "Successfully transferred"}, {}]),
            ("messages", [{"type": "AIMessageChunk", "content": "4"}, {"langgraph_node": "math"}]),
            ("messages", [{"type": "AIMessageChunk", "content": [{"type": "text", "text": "The answer is 4"}]}, {}]),
            ("values", {"messages": [{"type": "human", "content": "2+2"}, {"type": "ai", "content": "The answer is 4"}]}),
            ("end", "null"),
        )  # fmt: skip

    http = MockHttp(server)
    events = await collect(adapter_for("LANGGRAPH", http).run(
        call("LANGGRAPH", {"base_url": "http://lg.test", "langgraph_assistant_id": "supervisor"}, message="2+2")))  # fmt: skip
    assert _text(events) == "4The answer is 4"
    assert _final(events) == "The answer is 4"
    assert any(isinstance(e, Progress) and "transfer_to_math" in e.text for e in events)
    assert uuid.UUID(thread).version == 5


async def test_langgraph_recreates_a_lost_thread_and_reports_run_errors() -> None:
    attempts = {"stream": 0}

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/threads":
            return httpx.Response(200, json={})
        attempts["stream"] += 1
        if attempts["stream"] == 1:
            return httpx.Response(404, json={"detail": "Thread not found"})
        return sse(("error", {"error": "ValueError", "message": "graph blew up"}))

    http = MockHttp(server)
    with pytest.raises(AgentRunFailed, match="graph blew up"):
        await collect(adapter_for("LANGGRAPH", http).run(
            call("LANGGRAPH", {"base_url": "http://lg.test"}, state={"langgraph_thread": thread_id_for("ses_1")})))  # fmt: skip
    assert [r.url.path.rsplit("/", 2)[-1] for r in http.requests] == ["stream", "threads", "stream"]


# --- CUSTOM ------------------------------------------------------------------------------------------------


async def test_custom_openai_streams_with_history_and_image_blocks() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        body = json.loads(request.content)
        assert body["stream"] is True and body["model"] == "my-agent"
        assert body["messages"][0] == {"role": "user", "content": "earlier"}
        assert body["messages"][-1]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
        chunk = {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}
        return sse(
            (None, chunk), (None, {"choices": [{"index": 0, "delta": {"content": "!"}}]}), (None, "[DONE]")
        )

    from a2g.agent_adapters import Turn

    http = MockHttp(server)
    events = await collect(adapter_for("CUSTOM", http).run(call(
        "CUSTOM", {"base_url": "http://c.test/v1", "custom_protocol": "openai", "custom_model": "my-agent"},
        history=(Turn("user", "earlier"), Turn("assistant", "reply")),
        attachments=(attachment("p.png", "image/png", b"img"),))))  # fmt: skip
    assert _text(events) == "Hi!"


async def test_custom_json_reads_reply_output_or_content() -> None:
    for key in ("reply", "output", "content"):

        def server(request: httpx.Request, key: str = key) -> httpx.Response:
            body = json.loads(request.content)
            assert body["message"] == "hi" and body["session_id"] == "ses_1" and body["history"] == []
            assert request.headers["x-a2g-trace-id"] == "trc_1"
            return httpx.Response(200, json={key: f"via {key}"})

        events = await collect(adapter_for("CUSTOM", MockHttp(server)).run(
            call("CUSTOM", {"base_url": "http://c.test/chat", "custom_protocol": "json"})))  # fmt: skip
        assert _final(events) == f"via {key}"

    def odd(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"answerz": "?"})

    with pytest.raises(AgentProtocolError):
        await collect(adapter_for("CUSTOM", MockHttp(odd)).run(
            call("CUSTOM", {"base_url": "http://c.test/chat", "custom_protocol": "json"})))  # fmt: skip


async def test_http_errors_become_agent_unavailable_with_the_servers_words() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="maintenance until 5pm")

    with pytest.raises(AgentUnavailable, match="503: maintenance until 5pm"):
        await collect(
            adapter_for("CUSTOM", MockHttp(down)).run(call("CUSTOM", {"base_url": "http://c.test"}))
        )
