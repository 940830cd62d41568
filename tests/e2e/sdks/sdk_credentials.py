"""Credentials the SDK tests need that a runtime does not hand out: a genuine platform token past its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from a2g.clock import FixedClock
from a2g.identity.tokens import AccessTokenCodec


def expired_token(runtime: Any, user_id: str = "admin") -> str:
    """Signed with the runtime's own secret and issuer, so only its expiry is wrong."""
    codec = AccessTokenCodec(runtime.env["A2G_TOKEN_SECRET"], runtime.env["A2G_PUBLIC_URL"], 900,
                             FixedClock(datetime.now(UTC) - timedelta(hours=2)))
    return codec.issue(user_id, "USER", "e2e").token
