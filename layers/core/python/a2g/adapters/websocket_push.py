"""Pushing messages to WebSocket clients through API Gateway's @connections management API.

One message to many connections (a trace's listeners) is a fan-out: the message is encoded once, and the
posts run concurrently on one bounded pool of threads, each with its keep-alive connection to the endpoint
(`A2G_WS_PUSH_CONCURRENCY`). Each post is a round trip (on AWS a few to tens of ms), so posting to 200
connections one after the other made the last listener wait 200 round trips. The posts themselves are lean
signed requests (`a2g.adapters.connections_api`).

Inside the local runtime's process the management URL has an in-process port (`a2g.adapters.connections_port`):
a fan-out is handed to it whole, and it writes every connection's frame at once on the runtime's event loop
(each connection's frames in order, a slow socket holding only its own). A signed HTTP request to itself per
connection cost ~1.2 ms of the runtime's CPU each (tests/bench/bench_ws_fanout.py). On Lambda no port is
installed: the real Management API is called, as before.

Order per connection is kept: messages for one connection are posted one at a time, in the order the
fan-outs were asked for, however many fan-outs run at once (a connection's messages form a lane; a lane
holds at most one worker, so a slow connection holds one thread and never blocks the others).
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from a2g.adapters.connections_port import ConnectionGone, ConnectionsPort, FanoutReport, in_process_port
from a2g.log import logger
from a2g.settings import get_settings

if TYPE_CHECKING:
    from a2g.adapters.connections_api import ConnectionsApi

__all__ = ["ApiGatewayPusher", "ConnectionGone", "FanoutPusher", "FanoutReport", "OrderedFanout", "Pusher"]


class PostsToConnections(Protocol):
    def post_to_connection(self, connection_id: str, data: bytes) -> None: ...


class Pusher(Protocol):
    def push(self, connection_id: str, message: dict[str, Any]) -> None: ...


class FanoutPusher(Pusher, Protocol):
    def push_many(self, connection_ids: Sequence[str], message: dict[str, Any]) -> FanoutReport: ...


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), default=str).encode()


Post = Callable[[str, bytes], None]


class _Job:
    __slots__ = ("connection_id", "data", "future", "post")

    def __init__(self, connection_id: str, data: bytes, post: Post):
        self.connection_id, self.data, self.post = connection_id, data, post
        self.future: concurrent.futures.Future[str] = concurrent.futures.Future()


class OrderedFanout:
    """Runs posts on `workers` threads; posts for the same connection run one at a time, in submission order."""

    def __init__(self, workers: int):
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ws-push")
        self._lock = threading.Lock()
        self._lanes: dict[str, deque[_Job]] = {}  # connection id -> jobs waiting behind the one being posted

    def send(self, connection_ids: Sequence[str], data: bytes, post: Post,
             timeout: float = 30.0) -> FanoutReport:
        jobs = [_Job(connection_id, data, post) for connection_id in dict.fromkeys(connection_ids)]
        with self._lock:  # one lock for the whole batch: two fan-outs' messages reach every lane in one order
            for job in jobs:
                lane = self._lanes.get(job.connection_id)
                if lane is None:
                    self._lanes[job.connection_id] = deque()
                    self._pool.submit(self._drain, job)
                else:
                    lane.append(job)
        report = FanoutReport()
        concurrent.futures.wait([job.future for job in jobs], timeout=timeout)
        for job in jobs:
            outcome = job.future.result() if job.future.done() else "failed"
            if outcome == "delivered":
                report.delivered.append(job.connection_id)
            elif outcome == "gone":
                report.gone.append(job.connection_id)
            else:
                report.failed.append(job.connection_id)
        return report

    def _drain(self, job: _Job | None) -> None:
        while job is not None:
            try:
                job.post(job.connection_id, job.data)
                job.future.set_result("delivered")
            except ConnectionGone:
                job.future.set_result("gone")
            except Exception as exc:  # noqa: BLE001 - one bad connection must not stop the others
                logger.warning("push failed", extra={"connection_id": job.connection_id, "error": str(exc)})
                job.future.set_result("failed")
            with self._lock:
                lane = self._lanes[job.connection_id]
                if lane:
                    job = lane.popleft()
                else:
                    del self._lanes[job.connection_id]
                    job = None


_FANOUT: OrderedFanout | None = None
_FANOUT_LOCK = threading.Lock()


def shared_fanout() -> OrderedFanout:
    """The process's one fan-out pool (lanes must be shared by every pusher to keep each connection's order)."""
    global _FANOUT
    with _FANOUT_LOCK:
        if _FANOUT is None:
            _FANOUT = OrderedFanout(get_settings().ws_push_concurrency)
        return _FANOUT


class ApiGatewayPusher:
    """PostToConnection on the management endpoint: over HTTP on AWS, through the in-process port when the
    local runtime serves that endpoint in this process."""

    def __init__(self, endpoint_url: str, fanout: OrderedFanout | None = None,
                 management: PostsToConnections | None = None):
        """`management`: a stand-in for the management API (tests); `fanout`: a pool of its own (tests)."""
        self._fanout = fanout
        self._port: ConnectionsPort | None = None if management else in_process_port(endpoint_url)
        self._api: PostsToConnections = management or self._port or _connections_api(endpoint_url)

    @classmethod
    def from_settings(cls, event: dict[str, Any] | None = None) -> ApiGatewayPusher:
        url = get_settings().ws_management_url
        if not url and event:
            ctx = event.get("requestContext") or {}
            url = f"https://{ctx.get('domainName')}/{ctx.get('stage')}"
        if not url:
            raise RuntimeError("A2G_WS_MANAGEMENT_URL is not set")
        return cls(url)

    def push(self, connection_id: str, message: dict[str, Any]) -> None:
        try:
            self.post(connection_id, encode(message))
        except ConnectionGone:
            raise
        except Exception as exc:
            logger.warning("push failed", extra={"connection_id": connection_id, "error": str(exc)})
            raise

    def push_many(self, connection_ids: Sequence[str], message: dict[str, Any]) -> FanoutReport:
        """The same message to every connection, encoded once, posted concurrently; never raises."""
        if self._port is not None:
            return self._port.post_many(connection_ids, encode(message))
        if self._fanout is None:
            self._fanout = shared_fanout()
        return self._fanout.send(connection_ids, encode(message), self.post)

    def post(self, connection_id: str, data: bytes) -> None:
        self._api.post_to_connection(connection_id, data)


_APIS: dict[str, ConnectionsApi] = {}


def _connections_api(endpoint_url: str) -> ConnectionsApi:
    """One client per endpoint and process (its keep-alive connections are per thread: one per fan-out worker)."""
    # botocore: imported only by a pusher that posts over HTTP
    from a2g.adapters.connections_api import ConnectionsApi

    with _FANOUT_LOCK:
        api = _APIS.get(endpoint_url)
        if api is None:
            settings = get_settings()
            api = _APIS[endpoint_url] = ConnectionsApi(endpoint_url, settings.aws_region)
        return api
