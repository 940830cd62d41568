"""The in-process @connections port the local runtime gives its own functions (`a2g_local.connections`), with
the real `ApiGatewayPusher` and `TraceBroadcaster` posting through it from worker threads, as the log-proxy does.

The sockets are stand-ins for uvicorn's ASGI `send` (recording frames, or holding one back); the event loop,
registry, outboxes and port are the real ones. What must hold, as on the management API: each connection gets
its frames one at a time, in the one order they were posted, however many fan-outs run at once from however many
threads; a slow client holds up only itself; a closed or unknown connection is 410 (`ConnectionGone`) and the
broadcaster forgets it and never posts to it again; a message over 128 KB is 413 and reaches nobody.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from a2g.adapters import connections_port
from a2g.adapters.connections_api import ConnectionsApi
from a2g.adapters.connections_port import ConnectionGone, PushFailed
from a2g.adapters.websocket_push import ApiGatewayPusher
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g_local.connections import MAX_MESSAGE_BYTES, Connection, ConnectionRegistry, LocalConnectionsPort

from tests.unit.tracing.tracing_fakes import FakeConnections

URL = "http://127.0.0.1:1/unit-port"


class Socket:
    """What uvicorn's `send` does with a frame: records it; a held socket waits until it is released."""

    def __init__(self, loop: asyncio.AbstractEventLoop, held: bool = False):
        self.frames: list[dict[str, Any]] = []
        self.overlaps = 0
        self._sending = False
        self._release = asyncio.Event() if held else None
        self.waiting = threading.Event()  # set once a frame is held back
        self.loop = loop

    async def send(self, message: dict[str, Any]) -> None:
        if self._sending:
            self.overlaps += 1
        self._sending = True
        try:
            await asyncio.sleep(0)  # a real write may yield; another frame must not start meanwhile
            if self._release is not None and not self._release.is_set():
                self.waiting.set()
                await self._release.wait()
            self.frames.append(message)
        finally:
            self._sending = False

    def release(self) -> None:
        assert self._release is not None
        self.loop.call_soon_threadsafe(self._release.set)

    def texts(self) -> list[str]:
        return [m["text"] for m in self.frames if m["type"] == "websocket.send"]


class Loop:
    """The runtime's event loop, on its own thread, owning the registry."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.registry = ConnectionRegistry()
        self.registry.loop = self.loop
        self.port = LocalConnectionsPort(self.registry, self.loop)

    def open(self, connection_id: str, held: bool = False) -> Socket:
        socket = Socket(self.loop, held)
        self.registry.add(Connection(connection_id, socket.send, time.time(), "127.0.0.1", "test", {"headers": {}},
                                     None))
        return socket

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def rt() -> Iterator[Loop]:
    runtime = Loop()
    connections_port.serve_in_process(URL, runtime.port)
    try:
        yield runtime
    finally:
        connections_port.withdraw_in_process(URL)
        runtime.stop()


def _wait(predicate: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


def test_a_pusher_for_the_served_url_posts_through_the_port_and_any_other_url_over_http(rt: Loop) -> None:
    socket = rt.open("c1")
    pusher = ApiGatewayPusher(URL)
    assert pusher._api is rt.port
    pusher.push("c1", {"type": "hello"})
    assert socket.texts() == ['{"type":"hello"}']
    assert isinstance(ApiGatewayPusher("http://127.0.0.1:2/elsewhere")._api, ConnectionsApi)
    connections_port.withdraw_in_process(URL)
    assert isinstance(ApiGatewayPusher(URL)._api, ConnectionsApi), "a withdrawn port is still used"


def test_fanouts_from_many_threads_reach_every_connection_once_each_in_one_order(rt: Loop) -> None:
    sockets = {f"c{i}": rt.open(f"c{i}") for i in range(40)}
    pusher = ApiGatewayPusher(URL)
    ids = list(sockets)

    def publish(n: int) -> list[str]:
        # Single pushes mixed in: they share each connection's one queue with the fan-outs.
        if n % 5 == 0:
            pusher.push(ids[n % len(ids)], {"n": n, "single": True})
        return pusher.push_many(ids, {"n": n}).delivered

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        reports = list(pool.map(publish, range(60)))
    assert all(sorted(delivered) == sorted(ids) for delivered in reports)
    orders = set()
    for socket in sockets.values():
        assert socket.overlaps == 0, "two frames were being written to one socket at once"
        fanned = [json.loads(t)["n"] for t in socket.texts() if "single" not in t]
        assert sorted(fanned) == list(range(60)), "a frame was lost or sent twice"
        orders.add(tuple(fanned))
    assert len(orders) == 1, "connections got the fan-outs in different orders"


def test_one_connections_frames_keep_the_order_they_were_posted_in(rt: Loop) -> None:
    socket = rt.open("c1")
    pusher = ApiGatewayPusher(URL)
    for n in range(50):
        (pusher.push_many if n % 2 else lambda ids, m: pusher.push(ids[0], m))(["c1"], {"n": n})
    assert [json.loads(t)["n"] for t in socket.texts()] == list(range(50))


def test_a_client_that_does_not_read_holds_up_only_itself(rt: Loop) -> None:
    slow = rt.open("slow", held=True)
    others = {f"c{i}": rt.open(f"c{i}") for i in range(20)}
    pusher = ApiGatewayPusher(URL)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        fanout = pool.submit(pusher.push_many, ["slow", *others], {"type": "trace.entry"})
        # Every other listener has the frame while the slow one's write is still held back.
        _wait(lambda: all(s.texts() for s in others.values()), "the other listeners got the frame")
        assert slow.waiting.is_set() and slow.texts() == [] and not fanout.done()
        slow.release()
        report = fanout.result(10)
    assert sorted(report.delivered) == sorted(["slow", *others]) and slow.texts() == ['{"type":"trace.entry"}']


def test_a_fanout_that_outlasts_its_timeout_reports_the_slow_connection_failed(rt: Loop) -> None:
    slow = rt.open("slow", held=True)
    fast = rt.open("fast")
    report = rt.port.post_many(["slow", "fast"], b'{"n":1}', timeout=0.2)
    assert report.delivered == ["fast"] and report.failed == ["slow"] and fast.texts() == ['{"n":1}']
    slow.release()
    _wait(lambda: slow.texts() == ['{"n":1}'], "the held frame went out once the client read")


def test_closed_and_unknown_connections_are_gone_and_the_broadcaster_forgets_only_them(rt: Loop) -> None:
    alive = {f"c{i}": rt.open(f"c{i}") for i in range(5)}
    closing = rt.open("closed")
    rt.run(rt.registry.get("closed").close(1000, ""))  # type: ignore[union-attr]
    store = FakeConnections()
    for connection_id in [*alive, "closed", "never-open"]:
        store.subscribe(connection_id, "alice", "trc_1")
    with pytest.raises(ConnectionGone):
        ApiGatewayPusher(URL).push("never-open", {"type": "x"})
    with pytest.raises(ConnectionGone):
        ApiGatewayPusher(URL).push("closed", {"type": "x"})

    cleanup = concurrent.futures.ThreadPoolExecutor(1)
    broadcaster = TraceBroadcaster(store, ApiGatewayPusher(URL), cleanup=cleanup)
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "n": 1}) == 5
    cleanup.shutdown(wait=True)
    assert sorted(store.removed) == ["closed", "never-open"]
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "n": 2}) == 5
    for socket in alive.values():
        assert [json.loads(t)["n"] for t in socket.texts()] == [1, 2]
    assert closing.texts() == [] and [m["type"] for m in closing.frames] == ["websocket.close"]


def test_a_message_over_128_kb_is_refused_413_and_reaches_nobody(rt: Loop) -> None:
    sockets = [rt.open(f"c{i}") for i in range(3)]
    too_big = b'"' + b"x" * (MAX_MESSAGE_BYTES - 1) + b'"'
    with pytest.raises(PushFailed) as refused:
        rt.port.post_to_connection("c0", too_big)
    assert refused.value.status == 413
    report = rt.port.post_many(["c0", "c1", "c2"], too_big)
    assert report.failed == ["c0", "c1", "c2"] and report.delivered == []
    assert all(s.frames == [] for s in sockets)
    rt.port.post_to_connection("c0", too_big[:MAX_MESSAGE_BYTES])  # exactly the limit is fine
    assert len(sockets[0].frames) == 1


def test_posting_from_the_event_loop_itself_is_refused_instead_of_deadlocking(rt: Loop) -> None:
    rt.open("c1")

    async def on_the_loop() -> str:
        try:
            rt.port.post_to_connection("c1", b"{}")
        except RuntimeError as err:
            return str(err)
        return "posted"

    assert "not the loop" in rt.run(on_the_loop())
