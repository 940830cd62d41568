"""Staying signed in: rotating refresh tokens, one family per sign-in (see docs/identity.md for the why).

- The token is 256 random bits; only its SHA-256 hash is stored (`REFRESH#<hash>`), so a read of the table
  yields nothing a browser could present.
- Every use rotates it: the used token is marked `rotated_at` and a new one of the same family is stored, in
  one transaction, so two concurrent uses cannot both succeed.
- Presenting a token that was already rotated means two parties hold the same token, i.e. it was stolen: the
  whole family is deleted and both are signed out. A re-presentation within a few seconds of the rotation is
  answered 401 without revoking, because that is what two browser tabs refreshing at the same moment look
  like (the losing tab already has the new cookie and simply retries).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from a2g.clock import Clock, epoch, iso
from a2g.errors import Unauthenticated
from a2g.identity.ports import RefreshSession, RefreshStore
from a2g.log import logger

TOKEN_PREFIX = "a2g_rt_"
REUSE_GRACE_SECONDS = 10


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshGrant:
    """A new refresh token for the cookie, and how long the cookie should live."""

    token: str
    user_id: str
    max_age: int


class RefreshSessions:
    def __init__(self, store: RefreshStore, ttl: timedelta, clock: Clock):
        self._store = store
        self._ttl = ttl
        self._clock = clock

    def start(self, user_id: str) -> RefreshGrant:
        """A new family for a fresh sign-in."""
        return self._issue(user_id, family_id=secrets.token_urlsafe(12), replacing=None)

    def rotate(self, raw: str | None) -> RefreshGrant:
        """Trade a valid refresh token for a new one of the same family; `Unauthenticated` otherwise."""
        session = self._lookup(raw)
        now = epoch(self._clock.now())
        if session is None or session.expires_at <= now:
            raise Unauthenticated("your session has ended, sign in again", code="session_expired")
        if session.rotated_at is not None:
            self._reused(session, now)
        return self._issue(session.user_id, family_id=session.family_id, replacing=session)

    def end(self, raw: str | None) -> None:
        """Sign out: the whole family goes, so no token of this sign-in works any more."""
        session = self._lookup(raw)
        if session is not None:
            self._store.revoke_family(session.user_id, session.family_id)

    def _lookup(self, raw: str | None) -> RefreshSession | None:
        if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
            return None
        return self._store.get(hash_token(raw))

    def _reused(self, session: RefreshSession, now: int) -> None:
        if now - (session.rotated_at or now) > REUSE_GRACE_SECONDS:
            removed = self._store.revoke_family(session.user_id, session.family_id)
            logger.warning(
                "refresh token reused: session family revoked",
                extra={"user_id": session.user_id, "tokens_revoked": removed},
            )
        raise Unauthenticated("this session token was already used, sign in again", code="session_reused")

    def _issue(self, user_id: str, *, family_id: str, replacing: RefreshSession | None) -> RefreshGrant:
        now = self._clock.now()
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        max_age = int(self._ttl.total_seconds())
        new = RefreshSession(
            token_hash=hash_token(raw), user_id=user_id, family_id=family_id, created_at=iso(now),
            expires_at=epoch(now + self._ttl),
        )
        if replacing is None:
            self._store.create(new)
        elif not self._store.rotate(replacing, new, epoch(now)):
            # Lost a race with another use of the same token: same answer as a reuse inside the grace period.
            raise Unauthenticated("this session token was already used, sign in again", code="session_reused")
        return RefreshGrant(token=raw, user_id=user_id, max_age=max_age)
