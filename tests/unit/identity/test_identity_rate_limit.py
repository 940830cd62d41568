"""The per-key fixed-window limiter behind the log-proxy's 429s."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from a2g.clock import FixedClock
from a2g.errors import Throttled, map_exception
from a2g.identity.rate_limit import KeyRateLimiter
from identity_fakes import InMemoryRateWindowStore


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 1, 9, 0, 0, 250_000, tzinfo=UTC))


@pytest.fixture
def store() -> InMemoryRateWindowStore:
    return InMemoryRateWindowStore()


def test_the_limit_per_window_then_429_with_retry_after(clock: FixedClock, store: InMemoryRateWindowStore) -> None:
    limiter = KeyRateLimiter(store, clock, limit=3, window_seconds=10)
    for _ in range(3):
        limiter.check("key_a")
    with pytest.raises(Throttled) as err:
        limiter.check("key_a")
    assert err.value.retry_after == 10  # 9.75 s left in the window, rounded up
    status, body, headers = map_exception(err.value)
    assert (status, headers["Retry-After"], body["error"]["code"]) == (429, "10", "throttled")


def test_the_next_window_starts_fresh(clock: FixedClock, store: InMemoryRateWindowStore) -> None:
    limiter = KeyRateLimiter(store, clock, limit=2)
    limiter.check("key_a")
    limiter.check("key_a")
    with pytest.raises(Throttled):
        limiter.check("key_a")
    clock.advance(seconds=1)
    limiter.check("key_a")


def test_keys_are_limited_independently(clock: FixedClock, store: InMemoryRateWindowStore) -> None:
    limiter = KeyRateLimiter(store, clock, limit=1)
    limiter.check("key_a")
    limiter.check("key_b")
    with pytest.raises(Throttled):
        limiter.check("key_a")


def test_a_known_full_window_costs_no_more_writes(clock: FixedClock, store: InMemoryRateWindowStore) -> None:
    limiter = KeyRateLimiter(store, clock, limit=1)
    limiter.check("key_a")
    for _ in range(50):
        with pytest.raises(Throttled):
            limiter.check("key_a")
    assert store.calls == 2


def test_the_count_is_shared_between_processes(clock: FixedClock, store: InMemoryRateWindowStore) -> None:
    one, two = KeyRateLimiter(store, clock, limit=2), KeyRateLimiter(store, clock, limit=2)
    one.check("key_a")
    two.check("key_a")
    with pytest.raises(Throttled):
        one.check("key_a")


def test_nonsense_limits_are_refused(clock: FixedClock, store: InMemoryRateWindowStore) -> None:
    with pytest.raises(ValueError):
        KeyRateLimiter(store, clock, limit=0)


def test_instance_windows_count_in_memory_and_stay_bounded() -> None:
    from a2g.identity.rate_limit import InstanceRateWindows

    windows = InstanceRateWindows(max_buckets=3, now=lambda: 1000.0)
    assert windows.hit("k#1", 2, 1100) and windows.hit("k#1", 2, 1100)
    assert not windows.hit("k#1", 2, 1100)  # full: refused, not counted
    assert windows.hit("k#2", 2, 900) and windows.hit("k#3", 2, 900)
    assert windows.hit("k#4", 2, 1100)  # at the bound: the expired windows (k#2, k#3) were dropped
    assert not windows.hit("k#1", 2, 1100)  # the live window kept its count
