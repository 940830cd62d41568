"""Identity storage in the Users table (PynamoDB). Keys and access paths: docs/data-model.md, "UsersTable".

| item            | pk                          | sk        | gsi1pk / gsi1sk                         |
|-----------------|-----------------------------|-----------|-----------------------------------------|
| user            | USER#<user_id>              | PROFILE   | USERS / <created_at>#<user_id>          |
| admin counter   | COUNTER#ADMINS              | COUNT     | -                                       |
| API key         | APIKEY#<sha256(key)>        | KEY       | USER#<user_id> / APIKEY#<key_id>        |
| refresh session | REFRESH#<sha256(token)>     | SESSION   | USER#<user_id> / REFRESH#<created_at>   |
| OIDC state      | OIDC#<state>                | STATE     | -                                       |
| rate window     | RATE#<key_id>#<window>      | WINDOW    | -                                       |

Every request-path access is a GetItem, a Query on a key, or a conditional write; nothing Scans.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from a2g.db import Gsi1, PlatformModel, table_meta, transaction_connection
from a2g.errors import Conflict, NotFound, ValidationFailed
from a2g.identity.ports import (
    ApiKeyRecord,
    OidcLoginState,
    RefreshSession,
    User,
    UserChange,
    UserPage,
)
from a2g.identity.principal import Role
from a2g.json_input import read_json

USERS_PARTITION = "USERS"
ADMIN_COUNTER_PK, ADMIN_COUNTER_SK = "COUNTER#ADMINS", "COUNT"


def _conditional_failed(exc: Exception) -> bool:
    code = getattr(exc, "cause_response_code", None) or ""
    return "ConditionalCheckFailed" in code


def _connection(model: type[PlatformModel]) -> Connection:
    return transaction_connection(model)


# --- users ---------------------------------------------------------------------------------------------


class UserItem(PlatformModel):
    Meta = table_meta("users")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()
    user_id = UnicodeAttribute()
    display_name = UnicodeAttribute()
    team = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    last_login_at = UnicodeAttribute(null=True)
    approved_at = UnicodeAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)
    oidc_subject = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)


class AdminCounterItem(PlatformModel):
    """How many ADMINs exist; changed in the same transaction as the role, so it can guard the last admin."""

    Meta = table_meta("users")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    admins = NumberAttribute(default=0)


def _user_key(user_id: str) -> tuple[str, str]:
    return f"USER#{user_id}", "PROFILE"


def _to_user(item: UserItem) -> User:
    return User(
        user_id=item.user_id, display_name=item.display_name, team=item.team or "",
        role=item.role,  # type: ignore[arg-type]
        created_at=item.created_at, updated_at=item.updated_at, last_login_at=item.last_login_at,
        approved_at=item.approved_at, approved_by=item.approved_by, oidc_subject=item.oidc_subject,
        email=item.email,
    )


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        key = read_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), max_depth=3)
        if key["gsi1pk"] != {"S": USERS_PARTITION} or set(key) != {"pk", "sk", "gsi1pk", "gsi1sk"}:
            raise ValueError("cursor for another listing")
        return key  # type: ignore[no-any-return]
    except (ValueError, KeyError, TypeError, ValidationFailed) as exc:
        raise ValidationFailed("invalid cursor", code="invalid_cursor") from exc


class DynamoUserStore:
    def get(self, user_id: str) -> User | None:
        try:
            return _to_user(UserItem.get(*_user_key(user_id), consistent_read=True))
        except UserItem.DoesNotExist:
            return None

    def create(self, user: User) -> bool:
        pk, sk = _user_key(user.user_id)
        item = UserItem(
            pk=pk, sk=sk, gsi1pk=USERS_PARTITION, gsi1sk=f"{user.created_at}#{user.user_id}",
            user_id=user.user_id, display_name=user.display_name, team=user.team, role=user.role,
            created_at=user.created_at, updated_at=user.updated_at, last_login_at=user.last_login_at,
            approved_at=user.approved_at, approved_by=user.approved_by, oidc_subject=user.oidc_subject,
            email=user.email,
        )
        if user.role != "ADMIN":
            try:
                item.save(condition=UserItem.pk.does_not_exist())
                return True
            except PutError as exc:
                if _conditional_failed(exc):
                    return False
                raise
        try:
            with TransactWrite(connection=_connection(UserItem)) as tx:
                tx.save(item, condition=UserItem.pk.does_not_exist())
                tx.update(
                    AdminCounterItem(pk=ADMIN_COUNTER_PK, sk=ADMIN_COUNTER_SK),
                    actions=[AdminCounterItem.admins.add(1)],
                )
            return True
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons
            if reasons and reasons[0] is not None and "ConditionalCheckFailed" in (reasons[0].code or ""):
                return False
            raise

    def record_login(self, user_id: str, at: str, oidc_subject: str | None, email: str | None = None) -> None:
        actions: list[Action] = [UserItem.last_login_at.set(at)]
        if email:
            actions.append(UserItem.email.set(email))
        condition = UserItem.pk.exists()
        if oidc_subject:
            actions.append(UserItem.oidc_subject.set(oidc_subject))
            condition = condition & UserItem.oidc_subject.does_not_exist()  # pin once, never overwrite
        try:
            UserItem(*_user_key(user_id)).update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise

    def apply_change(self, change: UserChange) -> User:
        actions: list[Action] = [
            UserItem.role.set(change.role),
            UserItem.team.set(change.team),
            UserItem.updated_at.set(change.updated_at),
        ]
        if change.approved_at:
            actions.append(UserItem.approved_at.set(change.approved_at))
        if change.approved_by:
            actions.append(UserItem.approved_by.set(change.approved_by))
        was_admin, is_admin = change.expected_role == "ADMIN", change.role == "ADMIN"
        counter = AdminCounterItem(pk=ADMIN_COUNTER_PK, sk=ADMIN_COUNTER_SK)
        try:
            with TransactWrite(connection=_connection(UserItem)) as tx:
                tx.update(
                    UserItem(*_user_key(change.user_id)), actions=actions,
                    condition=UserItem.pk.exists() & (UserItem.role == change.expected_role),
                )
                if was_admin and not is_admin:
                    # Refused when this is the last administrator.
                    tx.update(counter, actions=[AdminCounterItem.admins.add(-1)],
                              condition=AdminCounterItem.admins > 1)
                elif is_admin and not was_admin:
                    tx.update(counter, actions=[AdminCounterItem.admins.add(1)])
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons
            failed = [bool(r and "ConditionalCheckFailed" in (r.code or "")) for r in reasons]
            if failed and failed[0]:
                if self.get(change.user_id) is None:
                    raise NotFound("no such user") from exc
                raise Conflict("the user was changed meanwhile; reload and retry", code="user_changed") from exc
            if len(failed) > 1 and failed[1]:
                raise Conflict("the platform must keep at least one administrator", code="last_admin") from exc
            raise
        updated = self.get(change.user_id)
        if updated is None:  # deleted between the write and the read: nothing sensible to return
            raise NotFound("no such user")
        return updated

    def list(self, role: Role | None, limit: int, cursor: str | None) -> UserPage:
        results = UserItem.gsi1.query(
            USERS_PARTITION,
            filter_condition=(UserItem.role == role) if role else None,
            scan_index_forward=True,
            limit=limit,
            last_evaluated_key=_decode_cursor(cursor),
            page_size=100 if role else limit,
        )
        items = [_to_user(item) for item in results]
        return UserPage(items=items, next_cursor=_encode_cursor(results.last_evaluated_key))


# --- API keys ------------------------------------------------------------------------------------------


class ApiKeyItem(PlatformModel):
    Meta = table_meta("users")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()
    key_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    team = UnicodeAttribute(default="")
    name = UnicodeAttribute()
    last4 = UnicodeAttribute()
    created_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute(null=True)
    revoked_at = UnicodeAttribute(null=True)
    ttl = NumberAttribute(null=True)


def _to_key(item: ApiKeyItem) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=item.key_id, key_hash=item.pk.removeprefix("APIKEY#"), user_id=item.user_id,
        role=item.role,  # type: ignore[arg-type]
        team=item.team or "", name=item.name, last4=item.last4, created_at=item.created_at,
        last_used_at=item.last_used_at, revoked_at=item.revoked_at,
    )


class DynamoApiKeyStore:
    def put(self, record: ApiKeyRecord) -> None:
        ApiKeyItem(
            pk=f"APIKEY#{record.key_hash}", sk="KEY", gsi1pk=f"USER#{record.user_id}",
            gsi1sk=f"APIKEY#{record.key_id}", key_id=record.key_id, user_id=record.user_id, role=record.role,
            team=record.team, name=record.name, last4=record.last4, created_at=record.created_at,
        ).save(condition=ApiKeyItem.pk.does_not_exist())

    def get_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        try:
            return _to_key(ApiKeyItem.get(f"APIKEY#{key_hash}", "KEY"))
        except ApiKeyItem.DoesNotExist:
            return None

    def list_for_user(self, user_id: str) -> list[ApiKeyRecord]:
        return [
            _to_key(item)
            for item in ApiKeyItem.gsi1.query(f"USER#{user_id}", ApiKeyItem.gsi1sk.startswith("APIKEY#"))
        ]

    def find_for_user(self, user_id: str, key_id: str) -> ApiKeyRecord | None:
        for item in ApiKeyItem.gsi1.query(f"USER#{user_id}", ApiKeyItem.gsi1sk == f"APIKEY#{key_id}"):
            return _to_key(item)
        return None

    def revoke(self, record: ApiKeyRecord, at: str, expires_at_epoch: int) -> bool:
        try:
            ApiKeyItem(f"APIKEY#{record.key_hash}", "KEY").update(
                actions=[ApiKeyItem.revoked_at.set(at), ApiKeyItem.ttl.set(expires_at_epoch)],
                condition=ApiKeyItem.pk.exists() & ApiKeyItem.revoked_at.does_not_exist()
                & (ApiKeyItem.user_id == record.user_id),
            )
            return True
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise

    def touch(self, key_hash: str, at: str, unless_used_since: str) -> None:
        try:
            ApiKeyItem(f"APIKEY#{key_hash}", "KEY").update(
                actions=[ApiKeyItem.last_used_at.set(at)],
                condition=ApiKeyItem.pk.exists() & ApiKeyItem.revoked_at.does_not_exist()
                & (ApiKeyItem.last_used_at.does_not_exist() | (ApiKeyItem.last_used_at < unless_used_since)),
            )
        except UpdateError as exc:
            if not _conditional_failed(exc):
                raise

    def sync_owner(self, user_id: str, role: Role, team: str) -> None:
        for record in self.list_for_user(user_id):
            if record.role == role and record.team == team:
                continue
            try:
                ApiKeyItem(f"APIKEY#{record.key_hash}", "KEY").update(
                    actions=[ApiKeyItem.role.set(role), ApiKeyItem.team.set(team)],
                    condition=ApiKeyItem.pk.exists(),
                )
            except UpdateError as exc:
                if not _conditional_failed(exc):  # the key expired meanwhile: nothing to sync
                    raise


# --- refresh sessions ----------------------------------------------------------------------------------


class RefreshItem(PlatformModel):
    Meta = table_meta("users")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()
    user_id = UnicodeAttribute()
    family_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()
    rotated_at = NumberAttribute(null=True)
    ttl = NumberAttribute()


def _refresh_item(session: RefreshSession) -> RefreshItem:
    return RefreshItem(
        pk=f"REFRESH#{session.token_hash}", sk="SESSION", gsi1pk=f"USER#{session.user_id}",
        gsi1sk=f"REFRESH#{session.created_at}", user_id=session.user_id, family_id=session.family_id,
        created_at=session.created_at, expires_at=session.expires_at, ttl=session.expires_at,
    )


class DynamoRefreshStore:
    def create(self, session: RefreshSession) -> None:
        _refresh_item(session).save(condition=RefreshItem.pk.does_not_exist())

    def get(self, token_hash: str) -> RefreshSession | None:
        try:
            item = RefreshItem.get(f"REFRESH#{token_hash}", "SESSION", consistent_read=True)
        except RefreshItem.DoesNotExist:
            return None
        return RefreshSession(
            token_hash=token_hash, user_id=item.user_id, family_id=item.family_id, created_at=item.created_at,
            expires_at=int(item.expires_at), rotated_at=int(item.rotated_at) if item.rotated_at else None,
        )

    def rotate(self, old: RefreshSession, new: RefreshSession, at_epoch: int) -> bool:
        try:
            with TransactWrite(connection=_connection(RefreshItem)) as tx:
                tx.update(
                    RefreshItem(f"REFRESH#{old.token_hash}", "SESSION"),
                    actions=[RefreshItem.rotated_at.set(at_epoch)],
                    condition=RefreshItem.pk.exists() & RefreshItem.rotated_at.does_not_exist(),
                )
                tx.save(_refresh_item(new), condition=RefreshItem.pk.does_not_exist())
            return True
        except TransactWriteError as exc:
            if any(r and "ConditionalCheckFailed" in (r.code or "") for r in exc.cancellation_reasons):
                return False
            raise

    def revoke_family(self, user_id: str, family_id: str) -> int:
        doomed = list(
            RefreshItem.gsi1.query(
                f"USER#{user_id}", RefreshItem.gsi1sk.startswith("REFRESH#"),
                filter_condition=RefreshItem.family_id == family_id,
            )
        )
        with RefreshItem.batch_write() as batch:
            for item in doomed:
                batch.delete(item)
        return len(doomed)


# --- OIDC login state ----------------------------------------------------------------------------------


class OidcStateItem(PlatformModel):
    Meta = table_meta("users")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    code_verifier = UnicodeAttribute()
    nonce = UnicodeAttribute()
    return_to = UnicodeAttribute()
    expires_at = NumberAttribute()
    ttl = NumberAttribute()


class DynamoOidcStateStore:
    def put(self, login: OidcLoginState) -> None:
        OidcStateItem(
            pk=f"OIDC#{login.state}", sk="STATE", code_verifier=login.code_verifier, nonce=login.nonce,
            return_to=login.return_to, expires_at=login.expires_at, ttl=login.expires_at,
        ).save()

    def take(self, state: str) -> OidcLoginState | None:
        if not state or len(state) > 128:
            return None
        # One conditional DeleteItem returning the old item: of two concurrent callbacks only one gets the
        # state back (without the condition, DynamoDB Local hands the old item to every concurrent delete).
        try:
            answer = OidcStateItem._get_connection().delete_item(
                f"OIDC#{state}", range_key="STATE", condition=OidcStateItem.pk.exists(), return_values="ALL_OLD"
            )
        except DeleteError as exc:
            if _conditional_failed(exc):
                return None
            raise
        attributes = answer.get("Attributes")
        if not attributes:
            return None
        item = OidcStateItem.from_raw_data(attributes)
        return OidcLoginState(
            state=state, code_verifier=item.code_verifier, nonce=item.nonce, return_to=item.return_to,
            expires_at=int(item.expires_at),
        )


# --- per-key rate windows ------------------------------------------------------------------------------


class RateWindowItem(PlatformModel):
    Meta = table_meta("users")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    hits = NumberAttribute(default=0)
    ttl = NumberAttribute()


class DynamoRateWindowStore:
    def hit(self, bucket: str, limit: int, expires_at_epoch: int) -> bool:
        try:
            RateWindowItem(f"RATE#{bucket}", "WINDOW").update(
                actions=[RateWindowItem.hits.add(1), RateWindowItem.ttl.set(expires_at_epoch)],
                condition=RateWindowItem.hits.does_not_exist() | (RateWindowItem.hits < limit),
            )
            return True
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
