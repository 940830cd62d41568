"""Identifiers: time-ordered, URL-safe, unguessable (ULID-style: 48-bit ms time + 80 random bits)."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


def new_id(prefix: str = "") -> str:
    """A sortable id, e.g. `agt_01jd...`; later ids sort after earlier ones."""
    ms = int(time.time() * 1000)
    body = _b32(ms, 10) + _b32(secrets.randbits(80), 16)
    return f"{prefix}_{body}" if prefix else body


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
