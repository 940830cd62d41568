"""What the identity services need from storage, as small Protocols, and the records that cross them.

The services in this package depend only on these; `repository.py` implements them on DynamoDB (PynamoDB)
and the unit tests pass in-memory fakes. Nothing here imports boto3 or reads settings, so importing it is
cheap and needs no environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from a2g.identity.principal import Role

ROLES: tuple[Role, ...] = ("PENDING", "USER", "ADMIN")


@dataclass(frozen=True)
class User:
    """A person known to the platform. `user_id` is their username (what INITIAL_ADMIN_IDS lists)."""

    user_id: str
    display_name: str
    team: str
    role: Role
    created_at: str
    updated_at: str
    last_login_at: str | None = None
    approved_at: str | None = None
    approved_by: str | None = None
    # The identity provider's `sub` for this username, pinned at first SSO login (see users.py).
    oidc_subject: str | None = None
    # From the provider's `email` claim (refreshed at each SSO sign-in); operations mails owners there.
    email: str | None = None

    def to_public(self) -> dict[str, Any]:
        """The JSON shape clients see; the pinned OIDC subject is internal."""
        return {
            "user_id": self.user_id,
            "username": self.user_id,
            "display_name": self.display_name,
            "email": self.email,
            "team": self.team,
            "role": self.role,
            "pending": self.role == "PENDING",
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "last_login_at": self.last_login_at,
            "approved_at": self.approved_at,
            "approved_by": self.approved_by,
        }


@dataclass(frozen=True)
class UserPage:
    items: list[User]
    next_cursor: str | None


@dataclass(frozen=True)
class UserChange:
    """One admin edit of a user, applied atomically with the admin counter (see UserStore.apply_change)."""

    user_id: str
    expected_role: Role
    role: Role
    team: str
    updated_at: str
    approved_at: str | None = None
    approved_by: str | None = None


class UserStore(Protocol):
    def get(self, user_id: str) -> User | None: ...

    def create(self, user: User) -> bool:
        """Store a new user; False when the user id exists already. Counts a new ADMIN."""
        ...

    def record_login(self, user_id: str, at: str, oidc_subject: str | None, email: str | None = None) -> None:
        """Record a sign-in; pins `oidc_subject` if given (only ever once); updates `email` if given."""
        ...

    def apply_change(self, change: UserChange) -> User:
        """Apply role/team changes only if the role is still `expected_role`; keeps the admin count right.

        Raises `a2g.errors.NotFound` (no such user), `a2g.errors.Conflict` with code `user_changed` (the role
        changed meanwhile) or code `last_admin` (the change would leave no administrator).
        """
        ...

    def list(self, role: Role | None, limit: int, cursor: str | None) -> UserPage: ...


@dataclass(frozen=True)
class ApiKeyRecord:
    """A platform API key as stored: only its SHA-256 hash and its last four characters, never the key."""

    key_id: str
    key_hash: str
    user_id: str
    role: Role
    team: str
    name: str
    last4: str
    created_at: str
    last_used_at: str | None = None
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiKeyStore(Protocol):
    def put(self, record: ApiKeyRecord) -> None: ...

    def get_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        """The authorizer's and log-proxy's lookup: one GetItem."""
        ...

    def list_for_user(self, user_id: str) -> list[ApiKeyRecord]:
        """Oldest first."""
        ...

    def find_for_user(self, user_id: str, key_id: str) -> ApiKeyRecord | None:
        """One of this user's keys by id; another user's key id finds nothing."""
        ...

    def revoke(self, record: ApiKeyRecord, at: str, expires_at_epoch: int) -> bool:
        """Mark revoked (kept until `expires_at_epoch` for the owner's history); False if already revoked."""
        ...

    def touch(self, key_hash: str, at: str, unless_used_since: str) -> None:
        """Record `last_used_at = at` unless another writer recorded a use at or after `unless_used_since`."""
        ...

    def sync_owner(self, user_id: str, role: Role, team: str) -> None:
        """Copy the owner's role and team onto their keys, so authenticating a key stays one GetItem."""
        ...


@dataclass(frozen=True)
class RefreshSession:
    """One refresh token (by hash). Tokens of one sign-in form a family; `rotated_at` marks a used one."""

    token_hash: str
    user_id: str
    family_id: str
    created_at: str
    expires_at: int  # epoch seconds, also the item's DynamoDB TTL
    rotated_at: int | None = None


class RefreshStore(Protocol):
    def create(self, session: RefreshSession) -> None: ...

    def get(self, token_hash: str) -> RefreshSession | None: ...

    def rotate(self, old: RefreshSession, new: RefreshSession, at_epoch: int) -> bool:
        """Mark `old` used and store `new`, atomically; False if `old` was used meanwhile (a race or a replay)."""
        ...

    def revoke_family(self, user_id: str, family_id: str) -> int:
        """Delete every token of one sign-in; returns how many were deleted."""
        ...


@dataclass(frozen=True)
class OidcLoginState:
    """What the callback needs from the login that started it; kept server-side, used once."""

    state: str
    code_verifier: str
    nonce: str
    return_to: str
    expires_at: int  # epoch seconds


class OidcStateStore(Protocol):
    def put(self, login: OidcLoginState) -> None: ...

    def take(self, state: str) -> OidcLoginState | None:
        """Delete and return the login state in one step, so a state can never be used twice."""
        ...


class RateWindowStore(Protocol):
    def hit(self, bucket: str, limit: int, expires_at_epoch: int) -> bool:
        """Count one request in `bucket`; False (and no count) when the bucket already holds `limit`."""
        ...

