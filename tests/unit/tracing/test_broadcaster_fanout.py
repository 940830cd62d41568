"""Fan-out of one trace entry to many WebSocket listeners: the real `TraceBroadcaster` and `ApiGatewayPusher`
with a stand-in for boto3's management client (passed through the constructor).

What must hold: posts run concurrently; the message is encoded once; each connection gets its messages one at
a time and every connection gets them in one order, however many fan-outs run at once; a 410 forgets that
connection only, off the delivery path, and it is not posted to again.
"""

from __future__ import annotations

import concurrent.futures
import random
import threading
import time
from collections import defaultdict
from typing import Any

from a2g.adapters.websocket_push import ApiGatewayPusher, ConnectionGone, OrderedFanout
from a2g.tracing.broadcaster import TraceBroadcaster

from tests.unit.tracing.tracing_fakes import FakeConnections


class FakeManagement:
    """The management API as the pusher uses it: one post per connection, 410 as `ConnectionGone`."""

    def __init__(self, gone: set[str] | None = None, delay: Any = None, barrier: threading.Barrier | None = None):
        self.gone = gone or set()
        self.delay = delay
        self.barrier = barrier
        self.posts: list[tuple[str, bytes]] = []
        self.overlaps: list[str] = []  # a connection posted to while a post to it was still under way
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        with self._lock:
            if connection_id in self._in_flight:
                self.overlaps.append(connection_id)
            self._in_flight.add(connection_id)
        try:
            if self.barrier is not None:
                self.barrier.wait()
            if self.delay is not None:
                time.sleep(self.delay())
            if connection_id in self.gone:
                raise ConnectionGone(connection_id)
            with self._lock:
                self.posts.append((connection_id, data))
        finally:
            with self._lock:
                self._in_flight.discard(connection_id)


def _broadcaster(management: FakeManagement, listeners: list[str], workers: int = 8,
                 cleanup: concurrent.futures.Executor | None = None,
                 owner: str = "alice") -> tuple[TraceBroadcaster, FakeConnections]:
    connections = FakeConnections()
    for connection_id in listeners:
        connections.subscribe(connection_id, owner, "trc_1")
    pusher = ApiGatewayPusher("http://unused", fanout=OrderedFanout(workers), management=management)
    return TraceBroadcaster(connections, pusher, cleanup=cleanup), connections


def test_posts_to_the_listeners_run_concurrently() -> None:
    # Every post waits until 8 posts are under way at once: posting one after the other never gets there.
    management = FakeManagement(barrier=threading.Barrier(8, timeout=5))
    broadcaster, _ = _broadcaster(management, [f"c{i}" for i in range(8)])
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "n": 1}) == 8
    assert sorted(c for c, _ in management.posts) == [f"c{i}" for i in range(8)]


def test_the_message_is_encoded_once_for_all_listeners() -> None:
    management = FakeManagement()
    broadcaster, _ = _broadcaster(management, [f"c{i}" for i in range(20)])
    broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "entry": {"text": "héllo"}})
    payloads = [data for _, data in management.posts]
    assert len(payloads) == 20
    assert len({id(data) for data in payloads}) == 1, "the JSON was encoded again for each connection"
    assert payloads[0] == b'{"type":"trace.entry","entry":{"text":"h\\u00e9llo"}}'


def test_each_connection_gets_every_fanout_in_one_order() -> None:
    rng = random.Random(7)
    management = FakeManagement(delay=lambda: rng.random() / 500)
    listeners = [f"c{i}" for i in range(6)]
    broadcaster, _ = _broadcaster(management, listeners, workers=8)

    def publisher(p: int) -> None:
        for n in range(10):
            broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "p": p, "n": n})

    threads = [threading.Thread(target=publisher, args=(p,)) for p in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    received: dict[str, list[bytes]] = defaultdict(list)
    for connection_id, data in management.posts:
        received[connection_id].append(data)
    assert management.overlaps == [], "two posts to one connection were under way at once"
    orders = {tuple(received[c]) for c in listeners}
    assert len(orders) == 1, "connections got the same messages in different orders"
    (order,) = orders
    assert len(order) == 40
    for p in range(4):  # each publisher's own messages in the order it published them
        mine = [data for data in order if f'"p":{p},'.encode() in data]
        assert mine == sorted(mine, key=lambda d: int(d.rsplit(b'"n":', 1)[1].rstrip(b"}")))


class HeldExecutor(concurrent.futures.Executor):
    """Runs submitted work only when released: shows what publish does before any cleanup has run."""

    def __init__(self) -> None:
        self.held: list[tuple[Any, tuple[Any, ...]]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        self.held.append((fn, args))
        return concurrent.futures.Future()

    def release(self) -> None:
        for fn, args in self.held:
            fn(*args)
        self.held.clear()


def test_a_gone_connection_is_forgotten_off_the_delivery_path_and_not_posted_to_again() -> None:
    management = FakeManagement(gone={"c2"})
    cleanup = HeldExecutor()
    broadcaster, connections = _broadcaster(management, ["c0", "c1", "c2", "c3"], cleanup=cleanup)

    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "n": 1}) == 3
    assert sorted(c for c, _ in management.posts) == ["c0", "c1", "c3"]
    assert connections.removed == [], "the stale connection was deleted on the delivery path"

    # Until the cleanup has run, the stale row is still listed but skipped without another post.
    management.posts.clear()
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry", "n": 2}) == 3
    assert sorted(c for c, _ in management.posts) == ["c0", "c1", "c3"]

    cleanup.release()
    assert connections.removed == ["c2"], "only the stale connection is forgotten"
    assert [c.connection_id for c in connections.listeners("trc_1")] == ["c0", "c1", "c3"]


def test_a_failing_connection_does_not_stop_the_others_and_is_not_forgotten() -> None:
    class Flaky(FakeManagement):
        def post_to_connection(self, connection_id: str, data: bytes) -> None:
            if connection_id == "c1":
                raise RuntimeError("throttled")
            super().post_to_connection(connection_id, data)

    management = Flaky()
    cleanup = HeldExecutor()
    broadcaster, connections = _broadcaster(management, ["c0", "c1", "c2"], cleanup=cleanup)
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry"}) == 2
    assert cleanup.held == []
    assert connections.removed == []


def test_listeners_of_another_user_are_skipped() -> None:
    management = FakeManagement()
    broadcaster, connections = _broadcaster(management, ["c0"])
    connections.subscribe("intruder", "mallory", "trc_1")
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry"}) == 1
    assert [c for c, _ in management.posts] == ["c0"]


def test_a_finished_entry_reaches_a_listener_that_subscribed_while_the_list_was_cached() -> None:
    # The local runtime caches a trace's listeners for a second; a trace panel opened just before a call
    # finishes must still get the finished entry (running updates may use the cached list).
    management = FakeManagement()
    connections = FakeConnections()
    connections.subscribe("old", "alice", "trc_1")
    pusher = ApiGatewayPusher("http://unused", fanout=OrderedFanout(4), management=management)
    broadcaster = TraceBroadcaster(connections, pusher, listeners_ttl=60.0)
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.running"}, fresh=False) == 1
    connections.subscribe("new", "alice", "trc_1")
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.running"}, fresh=False) == 1  # cached list
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry"}) == 2
    assert [c for c, _ in management.posts][-2:] in (["old", "new"], ["new", "old"])


def test_on_lambda_a_finished_entry_uses_a_list_at_most_fresh_ttl_old() -> None:
    # Lambda's wiring: finished entries too reuse the list while it is young (no Query a call); once it is
    # older than `fresh_ttl` they read it again.
    management = FakeManagement()
    connections = FakeConnections()
    connections.subscribe("old", "alice", "trc_1")
    pusher = ApiGatewayPusher("http://unused", fanout=OrderedFanout(4), management=management)
    now = [100.0]
    broadcaster = TraceBroadcaster(connections, pusher, listeners_ttl=5.0, fresh_ttl=5.0, monotonic=lambda: now[0])
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry"}) == 1
    connections.subscribe("new", "alice", "trc_1")
    now[0] += 4.0
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry"}) == 1  # the cached list
    now[0] += 1.5
    assert broadcaster.publish("trc_1", "alice", {"type": "trace.entry"}) == 2  # read again
