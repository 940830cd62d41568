"""Identifiers: time-ordered, URL-safe, unguessable (ULID-style: 48-bit ms time + 80 random bits).

Ids made by one process are strictly increasing, even within one millisecond (the monotonic ULID rule:
the random part of the previous id is incremented), so "newest first" by id is exact.
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RANDOM_BITS = 80
_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def _next() -> tuple[int, int]:
    global _last_ms, _last_random
    with _lock:
        ms = int(time.time() * 1000)
        if ms <= _last_ms:
            ms = _last_ms
            rnd = _last_random + 1 + secrets.randbits(16)  # still unguessable, still increasing
            if rnd >= 1 << _RANDOM_BITS:  # overflow: borrow the next millisecond
                ms, rnd = ms + 1, secrets.randbits(_RANDOM_BITS - 1)
        else:
            rnd = secrets.randbits(_RANDOM_BITS - 1)  # headroom for increments within the millisecond
        _last_ms, _last_random = ms, rnd
        return ms, rnd


def new_id(prefix: str = "") -> str:
    """A sortable id, e.g. `agt_01jd...`; later ids sort after earlier ones."""
    ms, rnd = _next()
    body = _b32(ms, 10) + _b32(rnd, 16)
    return f"{prefix}_{body}" if prefix else body


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
