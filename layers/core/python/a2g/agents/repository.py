"""Agents in DynamoDB (AgentsTable; keys in docs/data-model.md).

    agent        pk OWNER#<owner_id>  sk AGENT#<agent_id>
                 gsi1 AGENT#<agent_id> / AGENT                      get by id without knowing the owner
                 gsi2 STATUS#<status>  / <updated_at>#<agent_id>    catalogue and jobs, by status, paged
    A2A source   pk OWNER#<owner_id>  sk SOURCE#<sha256(interface url[#tenant])>  -> agent_id
    catalogue    pk CATALOGUE          sk MARKER    seq (+1 on every agent write), removed (deleted ids),
                                                    epoch (+1 when `removed` is reset)

The catalogue marker lets ranking check "did any agent change?" with one GetItem per request and then read
only the agents changed since (gsi2 by `updated_at`); deletions leave no row, hence the `removed` set.

Every access is a GetItem, a Query or a conditional write. `version` is PynamoDB's VersionAttribute: each
write through `AgentItem` is conditional on the version read and increments it (optimistic locking).
`touch_last_used` writes through a version-less view of the same item, so a chat starting does not make
the owner's PATCH in flight fail with 409.

Read API for other domains (all on `AgentRepository`): `get(agent_id)`, `get_owned(owner_id, agent_id)`,
`list_by_owner(...)`, `list_by_status(status, cursor=..., limit=..., updated_until=...)`,
`touch_last_used(agent_id)`, `set_status(agent_id, status, expected_version=...)`, `delete(...)`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pynamodb.attributes import (
    BinaryAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from a2g.agents.model import Agent, AgentPage, AgentStatus, Endpoint, Framework, Skill
from a2g.clock import Clock, SystemClock, iso
from a2g.db import Gsi1, Gsi2, PlatformModel, table_meta, transaction_connection
from a2g.errors import Conflict, ValidationFailed
from a2g.json_input import read_json
from a2g.log import logger

_KEEP: Any = object()
TOUCH_INTERVAL = timedelta(seconds=60)
"""`touch_last_used` skips the write when the stored time is newer than this (chat calls it per message)."""


class SkillMap(MapAttribute[str, Any]):
    id = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    examples = ListAttribute(of=UnicodeAttribute, null=True)


class AgentItem(PlatformModel):
    Meta = table_meta("agents")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()
    gsi1 = Gsi1()
    gsi2 = Gsi2()

    agent_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    logo_url = UnicodeAttribute(null=True)
    color = UnicodeAttribute()
    skills = ListAttribute(of=SkillMap, null=True)
    framework = UnicodeAttribute()
    endpoint = MapAttribute[str, Any]()  # type: ignore[no-untyped-call]
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    last_used_at = UnicodeAttribute(null=True)
    version = VersionAttribute()
    trace_id = UnicodeAttribute(null=True)
    # The registered card, verbatim, as JSON text (its keys are the card's own, not ours).
    a2a_card = UnicodeAttribute(null=True)
    card_url = UnicodeAttribute(null=True)
    source_key = UnicodeAttribute(null=True)
    # Ranking: encode_embedding(...) of agent_text(name, description, skills), and the model that made it.
    embedding = BinaryAttribute(null=True, legacy_encoding=False)
    embedding_model = UnicodeAttribute(null=True)


class AgentTouchItem(PlatformModel):
    """The same agent item seen without its version: writes here never bump or check `version`."""

    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    last_used_at = UnicodeAttribute(null=True)


class AgentSourceItem(PlatformModel):
    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    agent_id = UnicodeAttribute()
    source_url = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class CatalogueMarkerItem(PlatformModel):
    """One item telling readers of the catalogue that agents changed (see the module docstring)."""

    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seq = NumberAttribute(default=0)
    epoch = NumberAttribute(default=0)
    removed = UnicodeSetAttribute(null=True)


CATALOGUE_MARKER_KEY = ("CATALOGUE", "MARKER")
REMOVED_CAP = 2_000
"""Deleted ids the marker keeps before it is reset (an epoch bump makes readers re-read everything): the
item stays far below DynamoDB's 400 KB and a reader's check stays one small GetItem."""


def bump_catalogue(removed_id: str | None = None) -> None:
    """Tell catalogue readers that an agent changed (`removed_id`: was deleted). Never fails the write it
    follows: a lost bump is caught by the readers' periodic full re-read."""
    marker = CatalogueMarkerItem(*CATALOGUE_MARKER_KEY)
    actions: list[Any] = [CatalogueMarkerItem.seq.add(1)]
    if removed_id:
        actions.append(CatalogueMarkerItem.removed.add({removed_id}))
    try:
        marker.update(actions=actions)
        if removed_id and len(marker.removed or ()) > REMOVED_CAP:
            marker.update(actions=[CatalogueMarkerItem.removed.remove(), CatalogueMarkerItem.epoch.add(1),
                                   CatalogueMarkerItem.seq.add(1)])
    except Exception as exc:  # noqa: BLE001 - the agent write itself succeeded
        logger.warning("the catalogue marker could not be bumped", extra={"error": type(exc).__name__})


def _connection() -> Connection:
    """The connection for transactions: the table's current endpoint (tests re-point it), the shared client."""
    return transaction_connection(AgentItem)


def owner_pk(owner_id: str) -> str:
    return f"OWNER#{owner_id}"


def agent_sk(agent_id: str) -> str:
    return f"AGENT#{agent_id}"


def source_sk(source_key: str) -> str:
    return f"SOURCE#{source_key}"


def _status_sk(updated_at: str, agent_id: str) -> str:
    return f"{updated_at}#{agent_id}"


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


def to_agent(item: AgentItem) -> Agent:
    card = json.loads(item.a2a_card) if item.a2a_card else None
    created = _parse_time(item.created_at)
    updated = _parse_time(item.updated_at)
    assert created is not None and updated is not None
    return Agent(
        id=item.agent_id,
        owner_id=item.owner_id,
        name=item.name,
        description=item.description or "",
        logo_url=item.logo_url,
        color=item.color,
        skills=[Skill(**s.as_dict()) for s in (item.skills or [])],  # type: ignore[no-untyped-call]
        framework=Framework(item.framework),
        endpoint=Endpoint(**item.endpoint.as_dict()),
        status=AgentStatus(item.status),
        created_at=created,
        updated_at=updated,
        last_used_at=_parse_time(item.last_used_at),
        version=int(item.version or 1),
        trace_id=item.trace_id,
        a2a_card=card,
        card_url=item.card_url,
        source_key=item.source_key,
    )


def _skills_attr(skills: list[Skill]) -> list[SkillMap]:
    return [SkillMap(**s.model_dump(exclude_none=True)) for s in skills]  # type: ignore[no-untyped-call]


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, expect: dict[str, str]) -> dict[str, Any] | None:
    """A cursor from a previous page of the *same* query; anything else is a 400, never a storage error."""
    if not cursor:
        return None
    try:
        key = read_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), max_depth=3)
        ok = isinstance(key, dict) and all(key[name]["S"] == value for name, value in expect.items())
    except (ValueError, KeyError, TypeError, ValidationFailed):
        ok = False
    if not ok:
        raise ValidationFailed("the cursor is not valid for this list", code="invalid_cursor")
    return dict(key)


class AgentStore(Protocol):
    """What the service needs from storage (the repository below; fakes in unit tests)."""

    def create(
        self, agent: Agent, *, source_key: str | None = None, source_url: str | None = None,
        replace_source: bool = False, embedding: bytes | None = None, embedding_model: str | None = None,
    ) -> Agent: ...
    def get(self, agent_id: str) -> Agent | None: ...
    def get_owned(self, owner_id: str, agent_id: str) -> Agent | None: ...
    def list_by_owner(self, owner_id: str, *, cursor: str | None = None, limit: int = 50) -> AgentPage: ...
    def list_by_status(
        self, status: AgentStatus | str, *, cursor: str | None = None, limit: int = 50,
        updated_until: datetime | None = None, newest_first: bool = False,
    ) -> AgentPage: ...
    def update(
        self, owner_id: str, agent_id: str, expected_version: int, changes: dict[str, Any], *,
        updated_at: datetime, embedding: Any = _KEEP, embedding_model: Any = _KEEP,
        source_move: SourceMove | None = None,
    ) -> Agent: ...
    def delete(self, owner_id: str, agent_id: str, *, expected_version: int | None = None) -> bool: ...
    def source_agent_id(self, owner_id: str, source_key: str) -> str | None: ...
    def touch_last_used(self, agent_id: str) -> None: ...


@dataclass(frozen=True)
class SourceMove:
    """An A2A agent's source row follows its URL: drop `old_key`'s row (when it is this agent's) and claim
    `new_key` (None: the agent is no longer A2A), in the same transaction as the agent's update."""

    old_key: str | None
    drop_old: bool
    new_key: str | None
    source_url: str | None
    replace_new: bool  # the new key's row belongs to a deleted agent: take it over


class AgentRepository:
    """PynamoDB implementation of `AgentStore`, plus the small read/write API other domains use."""

    def __init__(self, clock: Clock | None = None):
        self._clock = clock or SystemClock()

    # --- writes -----------------------------------------------------------------------------------------

    def create(
        self, agent: Agent, *, source_key: str | None = None, source_url: str | None = None,
        replace_source: bool = False, embedding: bytes | None = None, embedding_model: str | None = None,
    ) -> Agent:
        """Put a new agent (and its A2A source row) in one transaction; 409 when either exists already.

        `replace_source` overwrites a source row whose agent is gone (the caller checked that)."""
        updated = iso(agent.updated_at)
        item = AgentItem(
            pk=owner_pk(agent.owner_id), sk=agent_sk(agent.id),
            gsi1pk=agent_sk(agent.id), gsi1sk="AGENT",
            gsi2pk=f"STATUS#{agent.status.value}", gsi2sk=_status_sk(updated, agent.id),
            agent_id=agent.id, owner_id=agent.owner_id, name=agent.name, description=agent.description,
            logo_url=agent.logo_url, color=agent.color, skills=_skills_attr(agent.skills),
            framework=agent.framework.value, endpoint=agent.endpoint.stored(), status=agent.status.value,
            created_at=iso(agent.created_at), updated_at=updated,
            last_used_at=iso(agent.last_used_at) if agent.last_used_at else None,
            trace_id=agent.trace_id, a2a_card=json.dumps(agent.a2a_card) if agent.a2a_card else None,
            card_url=agent.card_url, source_key=source_key, embedding=embedding,
            embedding_model=embedding_model,
        )
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(item, condition=AgentItem.pk.does_not_exist())
                if source_key:
                    source = AgentSourceItem(
                        pk=owner_pk(agent.owner_id), sk=source_sk(source_key), agent_id=agent.id,
                        source_url=source_url, created_at=updated,
                    )
                    tx.save(source, condition=None if replace_source else AgentSourceItem.pk.does_not_exist())
        except TransactWriteError as exc:
            raise Conflict("this agent is already registered", code="already_registered") from exc
        item.version = 1
        bump_catalogue()
        return to_agent(item)

    def update(
        self, owner_id: str, agent_id: str, expected_version: int, changes: dict[str, Any], *,
        updated_at: datetime, embedding: Any = _KEEP, embedding_model: Any = _KEEP,
        source_move: SourceMove | None = None,
    ) -> Agent:
        """Apply `changes` (Agent field → new value) if the stored version is still `expected_version`.

        Raises Conflict (409, code `version_conflict`) when the agent changed meanwhile or is gone, and
        (code `already_registered`) when `source_move` claims a URL another agent of the owner holds."""
        item = AgentItem(pk=owner_pk(owner_id), sk=agent_sk(agent_id))
        item.version = expected_version
        stamp = iso(updated_at)
        actions: list[Any] = [
            AgentItem.updated_at.set(stamp),
            AgentItem.gsi2sk.set(_status_sk(stamp, agent_id)),
        ]
        for name, value in changes.items():
            actions.extend(self._actions_for(name, value))
        if embedding is not _KEEP:
            actions.append(AgentItem.embedding.set(embedding) if embedding else AgentItem.embedding.remove())
        if embedding_model is not _KEEP:
            actions.append(
                AgentItem.embedding_model.set(embedding_model) if embedding_model
                else AgentItem.embedding_model.remove()
            )
        if source_move is not None:
            return self._update_moving_source(owner_id, agent_id, item, actions, source_move, updated_at)
        try:
            item.update(actions=actions)  # + `version = expected` condition and `version + 1`
        except UpdateError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code or exc):
                raise Conflict(
                    "the agent was changed by someone else (or deleted); read it again and retry",
                    code="version_conflict",
                ) from exc
            raise
        bump_catalogue()
        return to_agent(item)

    def _update_moving_source(self, owner_id: str, agent_id: str, item: AgentItem, actions: list[Any],
                              move: SourceMove, updated_at: datetime) -> Agent:
        drop_old = bool(move.old_key and move.drop_old)
        # PynamoDB sends deletes, then puts, then updates: the agent's update is the last item.
        update_index = int(drop_old) + int(bool(move.new_key))
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.update(item, actions=actions)  # + the version condition, as in `update`
                if drop_old:
                    tx.delete(AgentSourceItem(pk=item.pk, sk=source_sk(move.old_key or "")),
                              condition=AgentSourceItem.agent_id == agent_id)
                if move.new_key:
                    source = AgentSourceItem(pk=item.pk, sk=source_sk(move.new_key), agent_id=agent_id,
                                             source_url=move.source_url, created_at=iso(updated_at))
                    tx.save(source, condition=None if move.replace_new else AgentSourceItem.pk.does_not_exist())
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            agent_reason = reasons[update_index] if len(reasons) > update_index else None
            if agent_reason is not None and agent_reason.code == "ConditionalCheckFailed":
                raise Conflict(
                    "the agent was changed by someone else (or deleted); read it again and retry",
                    code="version_conflict",
                ) from exc
            raise Conflict("another of your agents is registered at this URL", code="already_registered") from exc
        bump_catalogue()
        stored = self.get_owned(owner_id, agent_id)
        if stored is None:  # deleted between the transaction and this read
            raise Conflict("the agent was deleted meanwhile", code="version_conflict")
        return stored

    @staticmethod
    def _actions_for(name: str, value: Any) -> list[Any]:
        simple = {
            "name": AgentItem.name, "description": AgentItem.description, "logo_url": AgentItem.logo_url,
            "color": AgentItem.color, "card_url": AgentItem.card_url, "trace_id": AgentItem.trace_id,
            "source_key": AgentItem.source_key,
        }
        if name in simple:
            attr = simple[name]
            return [attr.remove() if value is None else attr.set(value)]
        if name == "skills":
            return [AgentItem.skills.set(_skills_attr(list(value or [])))]
        if name == "framework":
            return [AgentItem.framework.set(Framework(value).value)]
        if name == "endpoint":
            endpoint = value if isinstance(value, Endpoint) else Endpoint(**value)
            return [AgentItem.endpoint.set(endpoint.stored())]
        if name == "status":
            status = AgentStatus(value).value
            return [AgentItem.status.set(status), AgentItem.gsi2pk.set(f"STATUS#{status}")]
        if name == "a2a_card":
            return [AgentItem.a2a_card.remove() if value is None else AgentItem.a2a_card.set(json.dumps(value))]
        if name == "last_used_at":
            return [AgentItem.last_used_at.set(iso(value)) if value else AgentItem.last_used_at.remove()]
        raise ValueError(f"unknown agent field {name!r}")

    def delete(self, owner_id: str, agent_id: str, *, expected_version: int | None = None) -> bool:
        """Delete the agent (and its A2A source row); False when it was already gone.

        With `expected_version`, a changed agent is not deleted: Conflict (409)."""
        try:
            item = AgentItem.get(owner_pk(owner_id), agent_sk(agent_id), consistent_read=True)
        except AgentItem.DoesNotExist:
            return False
        if expected_version is not None and item.version != expected_version:
            raise Conflict("the agent was changed meanwhile; read it again", code="version_conflict")
        try:
            item.delete()  # conditional on the version just read
        except DeleteError as exc:
            raise Conflict("the agent was changed meanwhile; read it again", code="version_conflict") from exc
        bump_catalogue(agent_id)
        if item.source_key:
            # A stale source row would only be replaced on the next registration; remove it while we know it.
            source = AgentSourceItem(pk=owner_pk(owner_id), sk=source_sk(item.source_key))
            try:
                source.delete(condition=AgentSourceItem.agent_id == agent_id)
            except DeleteError:
                pass  # it already points at a newer registration
        return True

    def set_status(
        self, agent_id: str, status: AgentStatus | str, *, expected_version: int | None = None,
        at: datetime | None = None,
    ) -> Agent | None:
        """Change an agent's status (jobs: disable a failing agent). None when the agent is gone;
        Conflict when `expected_version` is given and the agent changed since."""
        agent = self.get(agent_id)
        if agent is None:
            return None
        version = expected_version if expected_version is not None else agent.version
        return self.update(
            agent.owner_id, agent_id, version, {"status": AgentStatus(status)}, updated_at=at or self._clock.now()
        )

    def touch_last_used(self, agent_id: str) -> None:
        """Record that someone used the agent now (no version bump; at most one write a minute)."""
        agent = self.get(agent_id)
        if agent is None:
            return
        now = self._clock.now()
        if agent.last_used_at is not None and now - agent.last_used_at < TOUCH_INTERVAL:
            return
        touch = AgentTouchItem(pk=owner_pk(agent.owner_id), sk=agent_sk(agent_id))
        try:
            touch.update(actions=[AgentTouchItem.last_used_at.set(iso(now))],
                         condition=AgentTouchItem.pk.exists())
        except UpdateError:
            return  # deleted meanwhile: nothing to record

    # --- reads ------------------------------------------------------------------------------------------

    def get(self, agent_id: str) -> Agent | None:
        """Any agent by id (one Query on gsi1). Callers apply visibility rules."""
        if not agent_id or "#" in agent_id:
            return None
        for item in AgentItem.gsi1.query(agent_sk(agent_id), AgentItem.gsi1sk == "AGENT", limit=1):
            return to_agent(item)
        return None

    def get_owned(self, owner_id: str, agent_id: str) -> Agent | None:
        """The agent if `owner_id` owns it (a GetItem with the owner in the key), else None."""
        if not agent_id or "#" in agent_id:
            return None
        try:
            return to_agent(AgentItem.get(owner_pk(owner_id), agent_sk(agent_id), consistent_read=True))
        except AgentItem.DoesNotExist:
            return None

    def embedding_of(self, owner_id: str, agent_id: str) -> bytes | None:
        try:
            item = AgentItem.get(owner_pk(owner_id), agent_sk(agent_id), attributes_to_get=["embedding"])
        except AgentItem.DoesNotExist:
            return None
        return item.embedding

    def list_by_owner(self, owner_id: str, *, cursor: str | None = None, limit: int = 50) -> AgentPage:
        """The owner's agents, newest first (ids are time-ordered)."""
        start = _decode_cursor(cursor, {"pk": owner_pk(owner_id)})
        results = AgentItem.query(
            owner_pk(owner_id), AgentItem.sk.startswith("AGENT#"), scan_index_forward=False,
            limit=limit, last_evaluated_key=start,
        )
        agents = [to_agent(item) for item in results]
        return AgentPage(agents=agents, cursor=_encode_cursor(results.last_evaluated_key) if agents else None)

    def list_by_status(
        self, status: AgentStatus | str, *, cursor: str | None = None, limit: int = 50,
        updated_until: datetime | None = None, newest_first: bool = False,
    ) -> AgentPage:
        """Agents with this status ordered by `updated_at` (oldest first unless `newest_first`), optionally
        only those updated at or before `updated_until` (the lifecycle job's "unmodified for N days")."""
        status_value = AgentStatus(status).value
        start = _decode_cursor(cursor, {"gsi2pk": f"STATUS#{status_value}"})
        condition = AgentItem.gsi2sk <= f"{iso(updated_until)}#~" if updated_until else None
        results = AgentItem.gsi2.query(
            f"STATUS#{status_value}", condition, scan_index_forward=not newest_first, limit=limit,
            last_evaluated_key=start,
        )
        agents = [to_agent(item) for item in results]
        return AgentPage(agents=agents, cursor=_encode_cursor(results.last_evaluated_key) if agents else None)

    def source_agent_id(self, owner_id: str, source_key: str) -> str | None:
        try:
            return AgentSourceItem.get(owner_pk(owner_id), source_sk(source_key), consistent_read=True).agent_id
        except AgentSourceItem.DoesNotExist:
            return None


__all__ = ["CATALOGUE_MARKER_KEY", "AgentItem", "AgentRepository", "AgentSourceItem", "AgentStore", "AgentTouchItem", "CatalogueMarkerItem", "bump_catalogue", "to_agent"]
