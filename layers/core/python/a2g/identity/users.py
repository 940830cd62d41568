"""The user directory: users are created at first sign-in; administrators approve them and change role and team.

Rules:
- The user id is the username, lower-cased (INITIAL_ADMIN_IDS lists usernames and is compared the same way).
- First sign-in stores the user as PENDING, or ADMIN when INITIAL_ADMIN_IDS lists them. Later sign-ins do not
  change role or team: from then on administrators own those.
- With SSO, the provider's `sub` is pinned to the username at first SSO sign-in; a later id_token with the same
  username but another `sub` (a username recycled or re-mapped at the provider) is refused rather than
  silently handed the old account.
- No change may leave the platform without an administrator (the store enforces it atomically, so two admins
  demoting each other at the same moment cannot both succeed).
- A user's API keys carry a copy of their role and team; every change here re-syncs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from a2g.clock import Clock, iso
from a2g.errors import Conflict, Forbidden, NotFound, ValidationFailed
from a2g.identity.ports import ROLES, ApiKeyStore, User, UserChange, UserPage, UserStore
from a2g.identity.principal import Principal, Role, require_session
from a2g.log import logger

# Letters, digits and . _ @ - : enough for company usernames and e-mail-style ids, and no `#`, which the
# platform's DynamoDB keys use as a separator.
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
MAX_TEAM_LENGTH = 64
MAX_DISPLAY_NAME_LENGTH = 128


def normalize_username(raw: str) -> str:
    username = (raw or "").strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise ValidationFailed(
            "username must be 1-64 characters: letters, digits, '.', '_', '@' or '-'", code="invalid_username"
        )
    return username


def normalize_team(raw: str | None) -> str:
    team = (raw or "").strip()
    # Usage counters key on the team (`D#<team>#...`), so `#` is refused; control characters never belong.
    if len(team) > MAX_TEAM_LENGTH or "#" in team or any(ord(c) < 32 for c in team):
        raise ValidationFailed(
            f"team must be at most {MAX_TEAM_LENGTH} characters, without '#'", code="invalid_team"
        )
    return team


def _display_name(raw: str | None, fallback: str) -> str:
    name = " ".join((raw or "").split())[:MAX_DISPLAY_NAME_LENGTH]
    return name or fallback


class UserDirectory:
    def __init__(self, store: UserStore, keys: ApiKeyStore, initial_admin_ids: Iterable[str], clock: Clock):
        self._store = store
        self._keys = keys
        self._initial_admins = frozenset(i.strip().lower() for i in initial_admin_ids if i.strip())
        self._clock = clock

    # --- sign-in ----------------------------------------------------------------------------------------

    def sign_in(
        self, username: str, *, display_name: str | None = None, team: str | None = None,
        oidc_subject: str | None = None, email: str | None = None,
    ) -> User:
        """The user for a successful sign-in, created on first sign-in."""
        user_id = normalize_username(username)
        now = iso(self._clock.now())
        for _ in range(2):  # a second round only when a concurrent first sign-in created the user
            existing = self._store.get(user_id)
            if existing is not None:
                return self._returning(existing, now, oidc_subject, email)
            role: Role = "ADMIN" if user_id in self._initial_admins else "PENDING"
            user = User(
                user_id=user_id, display_name=_display_name(display_name, user_id), team=normalize_team(team),
                role=role, created_at=now, updated_at=now, last_login_at=now, oidc_subject=oidc_subject,
                email=email,
            )
            if self._store.create(user):
                logger.info("user created", extra={"user_id": user_id, "role": role})
                return user
        raise Conflict("the user changed during sign-in, try again")

    def _returning(self, user: User, now: str, oidc_subject: str | None, email: str | None) -> User:
        if oidc_subject and user.oidc_subject and user.oidc_subject != oidc_subject:
            logger.warning("sign-in refused: subject mismatch", extra={"user_id": user.user_id})
            raise Forbidden(
                "this username is bound to another identity; ask an administrator", code="identity_mismatch"
            )
        pin = oidc_subject if oidc_subject and not user.oidc_subject else None
        new_email = email if email and email != user.email else None
        self._store.record_login(user.user_id, now, pin, new_email)
        return replace(
            user, last_login_at=now, oidc_subject=user.oidc_subject or pin, email=new_email or user.email
        )

    # --- reading ----------------------------------------------------------------------------------------

    def get(self, user_id: str) -> User:
        user = self._store.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    def list(self, actor: Principal, role: str | None, limit: int, cursor: str | None) -> UserPage:
        require_session(actor, "administering users")
        if role is not None and role not in ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(ROLES)}")
        return self._store.list(role, max(1, min(limit, 100)), cursor)

    # --- administration ---------------------------------------------------------------------------------

    def approve(self, actor: Principal, user_id: str) -> User:
        require_session(actor, "administering users")
        user = self.get(user_id)
        if user.role != "PENDING":
            raise Conflict("the user is not waiting for approval", code="not_pending")
        return self._apply(actor, user, role="USER", team=user.team)

    def update(self, actor: Principal, user_id: str, *, role: str | None, team: str | None) -> User:
        require_session(actor, "administering users")
        user = self.get(user_id)
        if role is not None and role not in ROLES:
            raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
        new_role: Role = role or user.role
        new_team = normalize_team(team) if team is not None else user.team
        if new_role == user.role and new_team == user.team:
            return user
        return self._apply(actor, user, role=new_role, team=new_team)

    def _apply(self, actor: Principal, user: User, *, role: Role, team: str) -> User:
        now = iso(self._clock.now())
        approving = user.role == "PENDING" and role != "PENDING"
        change = UserChange(
            user_id=user.user_id, expected_role=user.role, role=role, team=team, updated_at=now,
            approved_at=now if approving else user.approved_at,
            approved_by=actor.user_id if approving else user.approved_by,
        )
        updated = self._store.apply_change(change)
        self._keys.sync_owner(updated.user_id, updated.role, updated.team)
        logger.info(
            "user changed",
            extra={"user_id": user.user_id, "by": actor.user_id, "role": f"{user.role}->{role}", "team": team},
        )
        return updated
