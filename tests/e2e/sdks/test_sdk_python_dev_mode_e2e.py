"""The Python SDK does what the web app's development mode does, against the local runtime: Stop a slow run
and keep what streamed (`cancel`), Edit and resend / Regenerate (`replaces`, a stale one is a Conflict),
attach files (presigned upload, the agent receives them, download), watch a trace live over the WebSocket,
clear a trace, and manage API keys with a signed-in token. Each with `Client` and with `AsyncClient`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from a2g_sdk import (
    AsyncClient,
    AuthenticationFailed,
    Client,
    Conflict,
    NotFound,
    PermissionDenied,
    RunEvent,
    TracePush,
)
from helpers import approved_user
from openai import OpenAI

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess
    from tests.e2e.sdks.conftest import Developer

pytestmark = pytest.mark.e2e

DEV_MODE_FUNCTIONS = ("WsCancelFunction", "FilesFunction", "WsSubscribeFunction", "ApiKeysFunction")
LONG = " ".join(f"word{i}" for i in range(60))
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64


@pytest.fixture
def dev_runtime(sdk_runtime: RuntimeProcess) -> RuntimeProcess:
    sdk_runtime.require_functions(*DEV_MODE_FUNCTIONS)
    return sdk_runtime


@pytest.fixture
def slow_llm(sdk_llm: MockLlm) -> Iterator[MockLlm]:
    """The mock LLM answering LONG in 30 pieces 0.4 s apart (about 12 s): a run still streaming when stopped."""
    saved = sdk_llm.script, sdk_llm.chunks, sdk_llm.pause_s
    sdk_llm.script = lambda body: LONG
    sdk_llm.chunks, sdk_llm.pause_s = 30, 0.4
    yield sdk_llm
    sdk_llm.script, sdk_llm.chunks, sdk_llm.pause_s = saved


def _streamed(events: list[RunEvent]) -> str:
    return "".join(e.get("delta", "") for e in events if e["type"] == "chunk")


def _assert_stopped(events: list[RunEvent], history: list[str]) -> None:
    final = events[-1]
    assert final["type"] == "message", events
    message = final["message"]
    assert message is not None and message["status"] == "stopped" and message.get("error") is None
    streamed = _streamed(events)
    assert streamed and LONG.startswith(streamed) and len(streamed) < len(LONG)  # cut short
    assert message["content"] == streamed  # exactly what the SDK saw stream
    assert history == ["complete", "stopped"]


def test_cancel_stops_a_slow_run_and_keeps_what_streamed_sync(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
    slow_llm: MockLlm,
) -> None:  # fmt: skip
    server = agent_server()
    stranger = approved_user(dev_runtime)
    try:
        with Client(dev_runtime.base_url, api_key=developer.key) as a2g, \
                Client(dev_runtime.base_url, token=stranger.token) as other:
            agent = a2g.register(card_url=server.url)
            session = a2g.start_session(agent["id"])
            sid = session["session_id"]
            events: list[RunEvent] = []
            for event in a2g.invoke(sid, "tell me a long story", request_id="story-1"):
                events.append(event)
                if event["type"] == "chunk" and [e["type"] for e in events].count("chunk") == 2:
                    with pytest.raises(NotFound):  # someone else's Stop is refused and changes nothing
                        other.cancel(sid, request_id="story-1")
                    ack = a2g.cancel(sid, request_id="story-1")
                    assert ack == {"type": "stopping", "session_id": sid, "request_id": "story-1"}
            history = [m["status"] for m in a2g.list_messages(sid)["items"]]
            _assert_stopped(events, history)
            assert a2g.list_messages(sid)["items"][1]["content"] == _streamed(events)
    finally:
        stranger.close()


async def test_cancel_stops_a_slow_run_and_keeps_what_streamed_async(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
    slow_llm: MockLlm,
) -> None:  # fmt: skip
    server = agent_server()
    async with AsyncClient(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = await a2g.register(card_url=server.url)
        sid = (await a2g.start_session(agent["id"]))["session_id"]
        events: list[RunEvent] = []
        # Without a request_id the Stop ends whichever run of the session started before it.
        async for event in a2g.invoke(sid, "tell me a long story"):
            events.append(event)
            if event["type"] == "chunk" and [e["type"] for e in events].count("chunk") == 2:
                ack = await a2g.cancel(sid)
                assert ack["type"] == "stopping" and ack["session_id"] == sid and ack["request_id"] is None
        history = [m["status"] for m in (await a2g.list_messages(sid))["items"]]
        _assert_stopped(events, history)
        with pytest.raises(NotFound) as missing:
            await a2g.cancel("ses_not_there")
        assert missing.value.code == "not_found"


def test_replaces_redoes_the_last_turn_and_a_stale_one_is_a_conflict_sync(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
) -> None:  # fmt: skip
    server = agent_server()
    with Client(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = a2g.register(card_url=server.url)
        sid = a2g.start_session(agent["id"])["session_id"]
        a2g.chat(sid, "first")
        a2g.chat(sid, "secnod")
        items = a2g.list_messages(sid)["items"]
        typo, its_answer = items[2], items[3]
        events = list(a2g.invoke(sid, "second", replaces=typo["message_id"]))  # Edit and resend
        assert events[0]["type"] == "run_started"
        assert set(events[0]["replaced"]) == {typo["message_id"], its_answer["message_id"]}
        assert events[-1]["message"] is not None and events[-1]["message"]["content"] == "echo: second"

        with pytest.raises(Conflict) as stale:
            a2g.chat(sid, "again", replaces=typo["message_id"])  # that question is gone
        assert stale.value.code == "not_last_message" and "last message" in stale.value.message
        history = a2g.list_messages(sid)["items"]
        assert [m["content"] for m in history] == ["first", "echo: first", "second", "echo: second"]

        regenerated = a2g.chat(sid, "second", replaces=history[2]["message_id"])  # Regenerate
        assert regenerated["content"] == "echo: second"
        assert len(a2g.list_messages(sid)["items"]) == 4 and a2g.get_session(sid)["message_count"] == 4


async def test_replaces_redoes_the_last_turn_and_a_stale_one_is_a_conflict_async(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
) -> None:  # fmt: skip
    server = agent_server()
    async with AsyncClient(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = await a2g.register(card_url=server.url)
        sid = (await a2g.start_session(agent["id"]))["session_id"]
        await a2g.chat(sid, "one")
        first_question = (await a2g.list_messages(sid))["items"][0]
        await a2g.chat(sid, "two")
        with pytest.raises(Conflict) as stale:  # only the last question can be replaced
            async for _ in a2g.invoke(sid, "uno", replaces=first_question["message_id"]):
                pass
        assert stale.value.code == "not_last_message"
        last_question = (await a2g.list_messages(sid))["items"][2]
        answer = await a2g.chat(sid, "deux", replaces=last_question["message_id"])
        assert answer["content"] == "echo: deux"
        contents = [m["content"] for m in (await a2g.list_messages(sid))["items"]]
        assert contents == ["one", "echo: one", "deux", "echo: deux"]


def test_files_upload_reach_the_agent_and_download_sync(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer], tmp_path: Path,
) -> None:  # fmt: skip
    server = agent_server()
    picture = tmp_path / "작은 그림.png"
    picture.write_bytes(PNG)
    with Client(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = a2g.register(card_url=server.url)
        sid = a2g.start_session(agent["id"])["session_id"]
        image = a2g.upload_file(sid, picture)  # from a path: its name and type from the path
        notes = a2g.upload_file(sid, b"line one\n", file_name="notes.txt")
        assert (image["file_name"], image["content_type"], image["size"]) == ("작은 그림.png", "image/png", len(PNG))
        assert image["previewable"] is True and notes["content_type"] == "text/plain"

        answer = a2g.chat(sid, "what is in the picture?", attachments=[image["file_id"], notes["file_id"]])
        assert answer["content"].startswith("echo: what is in the picture?")
        parts = server.executor.seen[-1]["files"]
        assert sorted(p["filename"] for p in parts) == ["notes.txt", "작은 그림.png"]
        saved = a2g.list_messages(sid)["items"][0]
        assert [a["file_id"] for a in saved["attachments"]] == [image["file_id"], notes["file_id"]]

        assert a2g.get_file(image["file_id"])["url"].startswith("http")
        assert a2g.download_file(image["file_id"]) == PNG
        with pytest.raises(NotFound):
            a2g.upload_file("ses_not_mine", b"x", file_name="x.txt")


async def test_files_upload_and_download_async(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
) -> None:  # fmt: skip
    server = agent_server()
    async with AsyncClient(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = await a2g.register(card_url=server.url)
        sid = (await a2g.start_session(agent["id"]))["session_id"]
        report = await a2g.upload_file(sid, b"%PDF-1.4 tiny", file_name="report.pdf")
        assert report["content_type"] == "application/pdf" and report["size"] == 13
        await a2g.chat(sid, "read it", attachments=[report["file_id"]])
        assert [p["filename"] for p in server.executor.seen[-1]["files"]] == ["report.pdf"]
        assert await a2g.download_file(report["file_id"]) == b"%PDF-1.4 tiny"


def _call_until(seen: Callable[[], bool], call: Callable[[], object], timeout: float = 30.0) -> None:
    """Make LLM calls until the watcher has seen one: a subscription is live a moment after it is asked for."""
    deadline = time.monotonic() + timeout
    while not seen() and time.monotonic() < deadline:
        call()
        time.sleep(0.5)


def test_watch_trace_pushes_calls_live_and_clear_trace_sync(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
) -> None:  # fmt: skip
    server = agent_server()
    with Client(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = a2g.register(card_url=server.url)
        pushes: list[TracePush] = []
        failures: list[BaseException] = []

        def watch() -> None:
            try:
                for push in a2g.watch_trace(agent["trace_id"], timeout=60):
                    pushes.append(push)
                    if push["type"] == "trace.entry":
                        return  # leaving the loop closes the connection
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                failures.append(exc)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        llm = OpenAI(base_url=agent["log_proxy_base_url"], api_key=developer.key)
        _call_until(lambda: not watcher.is_alive(), lambda: llm.chat.completions.create(
            model=developer.model, messages=[{"role": "user", "content": "live"}]))
        watcher.join(timeout=30)
        assert not failures and pushes, failures
        finished = pushes[-1]
        assert finished["type"] == "trace.entry" and finished["trace_id"] == agent["trace_id"]
        assert finished["entry"]["model"] == developer.model and finished["entry"]["status"] == "ok"
        assert {p["type"] for p in pushes} <= {"trace.running", "trace.entry"}

        stored = a2g.trace(agent["trace_id"])["items"]
        assert finished["entry"]["entry_id"] in {e["entry_id"] for e in stored}
        assert a2g.clear_trace(agent["trace_id"], up_to="2000-01-01T00:00:00Z") == 0  # nothing that old
        assert a2g.clear_trace(agent["trace_id"]) == len(stored)
        assert a2g.trace(agent["trace_id"])["items"] == []
        with pytest.raises(NotFound):
            next(iter(a2g.watch_trace("trc_not_mine", timeout=30)))


async def test_watch_trace_pushes_calls_live_async(
    dev_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer],
) -> None:  # fmt: skip
    server = agent_server()
    async with AsyncClient(dev_runtime.base_url, api_key=developer.key) as a2g:
        agent = await a2g.register(card_url=server.url)
        server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)
        session = await a2g.start_session(agent["id"])

        async def first_entry() -> TracePush:
            async for push in a2g.watch_trace(session["trace_id"], timeout=60):
                if push["type"] == "trace.entry":
                    return push
            raise AssertionError("the watch ended")

        watching = asyncio.ensure_future(first_entry())
        deadline = time.monotonic() + 30
        while not watching.done() and time.monotonic() < deadline:
            await a2g.chat(session["session_id"], "watched")  # the agent's model call lands in the session trace
            await asyncio.wait([watching], timeout=1)
        entry = (await watching)["entry"]
        assert entry["session_id"] == session["session_id"] and entry["model"] == developer.model
        with pytest.raises(NotFound):
            async for _ in a2g.watch_trace("trc_not_mine", timeout=30):
                pass


def test_api_keys_are_managed_with_a_signed_in_token_not_with_a_key(
    dev_runtime: RuntimeProcess, developer: Developer,
) -> None:  # fmt: skip
    with Client(dev_runtime.base_url, token=developer.user.token) as person:
        created = person.create_api_key("from the sdk")
        assert created["key"].startswith("a2g_sk_") and created["name"] == "from the sdk"
        listed = {k["id"]: k for k in person.list_api_keys()}
        assert listed[created["id"]]["status"] == "active" and "key" not in listed[created["id"]]
        with Client(dev_runtime.base_url, api_key=created["key"]) as with_it:
            assert with_it.me()["auth_kind"] == "api_key"
            with pytest.raises(PermissionDenied) as refused:
                with_it.create_api_key("a key minting keys")
            assert refused.value.code == "session_required"
        person.revoke_api_key(created["id"])
        assert created["id"] not in {k["id"] for k in person.list_api_keys()}
        revoked = {k["id"]: k for k in person.list_api_keys(include_revoked=True)}[created["id"]]
        assert revoked["status"] == "revoked"
    with Client(dev_runtime.base_url, api_key=created["key"]) as with_it, \
            pytest.raises(AuthenticationFailed) as gone:
        with_it.me()
    assert gone.value.code == "revoked_api_key"

    async def async_keys() -> None:
        async with AsyncClient(dev_runtime.base_url, token=developer.user.token) as person:
            made = await person.create_api_key()
            assert made["id"] in {k["id"] for k in await person.list_api_keys()}
            await person.revoke_api_key(made["id"])
            assert made["id"] not in {k["id"] for k in await person.list_api_keys()}

    asyncio.run(async_keys())
