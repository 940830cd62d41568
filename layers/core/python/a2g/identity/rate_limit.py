"""Per-API-key request limits, shared by every Lambda instance: a fixed window counter in DynamoDB.

Each key gets at most `limit` requests per `window_seconds` window, counted in a UsersTable item
`RATE#<key_id>#<window start>` with one conditional `ADD` (the condition refuses the request that would exceed
the limit, so concurrent Lambdas cannot overshoot). Items expire by TTL a minute later.

Once a window is known to be full, this process answers `Throttled` for the rest of that window without
asking DynamoDB again, so a client hammering a throttled key costs no writes.

A fixed window admits up to twice the limit across a window boundary; for protecting a proxy from runaway
agent loops that is fine, and it costs one write per request instead of a read-modify-write.

On Lambda the log-proxy counts in the instance's own memory instead (`check_key_rate_in_instance`): a write per
call on its response path costs more than the call's other work together. The price: each warm instance keeps
its own windows, so a key served by N instances at once may make up to N times its limit (a sequential agent
loop, the case the limit is for, is mostly served by one instance; a key found over its limit is refused at
once by that instance, with no storage call).

Use: `check_key_rate(principal.api_key_id)` before serving; a `Throttled` raised here maps to 429 with a
`Retry-After` header (the log-proxy renders it in OpenAI's error format).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from a2g.clock import Clock
from a2g.errors import Throttled
from a2g.identity.ports import RateWindowStore

WINDOW_ITEM_TTL_SECONDS = 60


class KeyRateLimiter:
    def __init__(self, store: RateWindowStore, clock: Clock, *, limit: int, window_seconds: int = 1):
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be positive")
        self._store = store
        self._clock = clock
        self._limit = limit
        self._window = window_seconds
        self._full: dict[str, int] = {}  # key id -> start of the window known to be full

    def check(self, key_id: str) -> None:
        """Count one request for `key_id`; raise `Throttled` (with `retry_after`) when over the limit."""
        now = self._clock.now().timestamp()
        window_start = int(now // self._window) * self._window
        retry_after = max(1, math.ceil(window_start + self._window - now))
        if self._full.get(key_id) == window_start:
            raise self._throttled(retry_after)
        bucket = f"{key_id}#{window_start}"
        expires = int(window_start + self._window + WINDOW_ITEM_TTL_SECONDS)
        if not self._store.hit(bucket, self._limit, expires):
            if len(self._full) > 10_000:
                self._full.clear()
            self._full[key_id] = window_start
            raise self._throttled(retry_after)

    def _throttled(self, retry_after: int) -> Throttled:
        return Throttled(
            f"rate limit of {self._limit} requests per {self._window} s for this API key exceeded",
            retry_after=retry_after,
        )

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self._window)


class InstanceRateWindows:
    """A `RateWindowStore` in this process's memory (see the module's note on Lambda); bounded: expired
    windows are dropped when it holds `max_buckets`."""

    def __init__(self, max_buckets: int = 10_000, now: Callable[[], float] = time.time):
        self._counts: dict[str, tuple[int, int]] = {}
        self._max, self._now = max_buckets, now
        self._lock = threading.Lock()

    def hit(self, bucket: str, limit: int, expires_at_epoch: int) -> bool:
        with self._lock:
            if len(self._counts) >= self._max and bucket not in self._counts:
                now = self._now()
                self._counts = {b: v for b, v in self._counts.items() if v[1] > now}
                if len(self._counts) >= self._max:
                    self._counts.clear()
            count, expires = self._counts.get(bucket, (0, expires_at_epoch))
            if count >= limit:
                return False
            self._counts[bucket] = (count + 1, expires)
            return True


def check_key_rate_in_instance(key_id: str) -> None:
    """`check_key_rate` counted in this process only (no storage call; the log-proxy on Lambda)."""
    from a2g.identity.wiring import instance_key_rate_limiter

    instance_key_rate_limiter().check(key_id)


def check_key_rate(key_id: str) -> None:
    """The process-wide limiter (limit from `A2G_API_KEY_RATE_LIMIT` per `A2G_API_KEY_RATE_WINDOW_SECONDS`).

    Returns None when the request may proceed; raises `a2g.errors.Throttled` otherwise.
    """
    from a2g.identity.wiring import key_rate_limiter

    key_rate_limiter().check(key_id)
