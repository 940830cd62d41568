"""What ranking reads from storage — it never writes on the request path — and the one write of the
embedding job (`save_embedding`, a2g.ranking.embedding_writer).

Sources (docs/data-model.md, "Ranking reads"):

* the catalogue — PRODUCTION agents, through the registry's own item model (AgentsTable gsi2
  ``STATUS#PRODUCTION``), with the ``embedding`` / ``embedding_model`` the embedding job stored (the
  registry drops them when an agent's name, description or skills change), and the public JSON the registry's serializer (``Agent.public_view``) makes;
* the caller's usage history — the chat domain's ``USER#<user_id>`` / ``USES#<agent_id>`` rows, one Query;
* popularity — the chat domain's monthly counters (``POPULAR#<yyyy-mm>#ALL`` and
  ``POPULAR#<yyyy-mm>#TEAM#<team>``), one Query per month and scope;
* the admin-registered embedding model — the LLM registry's ``MODEL#<model>`` route and its LLM row.

Every read is a Query or a GetItem on a key; nothing Scans. The service caches what does not depend on the
caller (catalogue, popularity, endpoint) for a few seconds, so most requests make one Query: the history.

The catalogue is read raw: the Query goes through the shared low-level client PynamoDB itself sends with
(same table, index, endpoint and error mapping), and each row's attribute values become the registry's
`Agent` directly. PynamoDB's model instances (attribute containers built, defaults deep-copied, then
converted again) were ~60 % of the CPU of a full read at 5,000 agents (tests/bench/ranking).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError

from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework, Skill
from a2g.agents.repository import (
    CATALOGUE_MARKER_KEY,
    AgentItem,
    CatalogueMarkerItem,
    agent_sk,
    owner_pk,
)
from a2g.chat.repository import UsageRepository
from a2g.ranking.ports import (
    CatalogueChange,
    CatalogueEntry,
    CatalogueMarker,
    EmbeddingEndpoint,
    UsageRecord,
)

__all__ = ["RankingRepository"]

# Everything `to_agent` needs for the public view, plus the ranking fields. The registered A2A card (the
# largest attribute by far), the trace id and the A2A source key are left on the server.
_CATALOGUE_ATTRIBUTES = [
    "agent_id",
    "owner_id",
    "name",
    "description",
    "logo_url",
    "color",
    "skills",
    "framework",
    "endpoint",
    "status",
    "created_at",
    "updated_at",
    "last_used_at",
    "version",
    "embedding",
    "embedding_model",
]


def _plain(value: dict[str, Any]) -> Any:
    """One DynamoDB attribute value (as the low-level client gives it) as plain Python."""
    for kind, inner in value.items():
        if kind in ("S", "B", "BOOL"):
            return inner
        if kind == "N":
            return int(inner) if inner.lstrip("-").isdigit() else float(inner)
        if kind == "M":
            return {k: _plain(v) for k, v in inner.items()}
        if kind == "L":
            return [_plain(v) for v in inner]
        if kind in ("SS", "BS"):
            return list(inner)
        if kind == "NS":
            return [float(n) for n in inner]
        if kind == "NULL":
            return None
    return None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _agent(row: dict[str, Any]) -> Agent:
    """The registry's `Agent` for one catalogue row (what `a2g.agents.repository.to_agent` makes of the same
    attributes: the card, trace id and source key are not read)."""
    created, updated = _time(row["created_at"]), _time(row["updated_at"])
    assert created is not None and updated is not None
    return Agent(
        id=row["agent_id"],
        owner_id=row["owner_id"],
        name=row["name"],
        description=row.get("description") or "",
        logo_url=row.get("logo_url"),
        color=row["color"],
        skills=[Skill(**{k: v for k, v in s.items() if v is not None}) for s in row.get("skills") or []],
        framework=Framework(row["framework"]),
        endpoint=Endpoint(**(row.get("endpoint") or {})),
        status=AgentStatus(row["status"]),
        created_at=created,
        updated_at=updated,
        last_used_at=_time(row.get("last_used_at")),
        version=int(row.get("version") or 1),
    )


def _entry(raw: dict[str, Any]) -> CatalogueEntry:
    row = {name: _plain(value) for name, value in raw.items()}
    agent = _agent(row)
    embedding = row.get("embedding")
    return CatalogueEntry(
        agent_id=agent.id,
        version=agent.version,
        public=agent.public_view(),
        name=agent.name,
        description=agent.description,
        skills=[(s.name, s.description, list(s.tags)) for s in agent.skills],
        embedding=bytes(embedding) if embedding else None,
        embedding_model=row.get("embedding_model"),
        owner_id=agent.owner_id,
        updated_at=row["updated_at"],
    )


def _by_status(status: str, attributes: list[str], updated_after: str | None = None) -> Iterator[dict[str, Any]]:
    """Raw rows of gsi2 `STATUS#<status>` (those written after `updated_after`), page by page."""
    table = AgentItem._get_connection()  # the shared client for the table's current endpoint
    names = {f"#a{i}": name for i, name in enumerate(attributes)}
    request: dict[str, Any] = {
        "TableName": table.table_name,
        "IndexName": AgentItem.gsi2.Meta.index_name,  # type: ignore[attr-defined]
        "KeyConditionExpression": "#pk = :pk",
        "ExpressionAttributeNames": {**names, "#pk": "gsi2pk"},
        "ExpressionAttributeValues": {":pk": {"S": f"STATUS#{status}"}},
        "ProjectionExpression": ",".join(names),
    }
    if updated_after is not None:
        request["KeyConditionExpression"] += " AND #sk > :after"
        request["ExpressionAttributeNames"]["#sk"] = "gsi2sk"
        request["ExpressionAttributeValues"][":after"] = {"S": updated_after}
    client = table.connection.client
    while True:
        page = client.query(**request)
        yield from page.get("Items", ())
        if not page.get("LastEvaluatedKey"):
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _epoch(value: str) -> float:
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return 0.0  # an unreadable time counts as long ago: the uses still count, decayed away


class RankingRepository:
    """The real reads (DynamoDB through the owning domains' PynamoDB models)."""

    def __init__(self, usage: UsageRepository | None = None) -> None:
        self._usage = usage or UsageRepository()
        self._llms: Any = None

    def production_agents(self) -> list[CatalogueEntry]:
        """Every PRODUCTION agent: one paged Query on gsi2 (1,000 agents are a few 1 MB pages)."""
        return list(self.iter_production_agents())

    def iter_production_agents(self) -> Iterator[CatalogueEntry]:
        """`production_agents` a page at a time: a reader that keeps most of what it had (ranking's full
        re-read) then never holds a second copy of the catalogue."""
        for raw in _by_status("PRODUCTION", _CATALOGUE_ATTRIBUTES):
            if raw.get("status", {}).get("S") == "PRODUCTION":
                yield _entry(raw)

    def catalogue_marker(self, *, with_removed: bool = True) -> CatalogueMarker:
        """The agents' write counter (one GetItem): unchanged means the catalogue is unchanged. Without
        `with_removed` only the two counters are read, so the per-request check stays a few bytes."""
        attributes = None if with_removed else ["seq", "epoch"]
        try:
            item = CatalogueMarkerItem.get(*CATALOGUE_MARKER_KEY, attributes_to_get=attributes)
        except CatalogueMarkerItem.DoesNotExist:
            return CatalogueMarker(seq=0, epoch=0, removed=frozenset())
        return CatalogueMarker(
            seq=int(item.seq or 0), epoch=int(item.epoch or 0), removed=frozenset(item.removed or ())
        )

    def changes_since(self, updated_after: str) -> list[CatalogueChange]:
        """Agents written after `updated_after` (ISO time), in every status: a Query per status on gsi2 by
        `updated_at`, so only the rows changed lately are read. PRODUCTION rows come with their entry."""
        changes: list[CatalogueChange] = []
        for status in AgentStatus:
            published = status is AgentStatus.PRODUCTION
            attributes = (
                _CATALOGUE_ATTRIBUTES if published else ["agent_id", "version", "status", "updated_at"]
            )
            for raw in _by_status(status.value, attributes, updated_after):
                published_now = published and raw.get("status", {}).get("S") == "PRODUCTION"
                changes.append(
                    CatalogueChange(
                        agent_id=raw["agent_id"]["S"],
                        version=int(raw.get("version", {}).get("N") or 1),
                        updated_at=raw["updated_at"]["S"],
                        entry=_entry(raw) if published_now else None,
                    )
                )
        return changes

    def save_embedding(self, entry: CatalogueEntry, embedding: bytes, model: str) -> bool:
        """Store `embedding` on the agent row read as `entry` — only while its version is still that one, and
        without changing the version (no PATCH in flight is made to conflict). False: the agent changed."""
        try:
            AgentItem._get_connection().update_item(
                owner_pk(entry.owner_id or ""),
                agent_sk(entry.agent_id),
                actions=[AgentItem.embedding.set(embedding), AgentItem.embedding_model.set(model)],
                condition=(AgentItem.version == entry.version),
            )
        except UpdateError as exc:
            if "ConditionalCheckFailed" in (getattr(exc, "cause_response_code", None) or ""):
                return False
            raise
        return True

    def usage_of(self, user_id: str) -> list[UsageRecord]:
        """The caller's history: one Query on their partition (`USES#` rows only)."""
        return [
            UsageRecord(agent_id=u.agent_id, uses=u.uses, last_used_epoch=_epoch(u.last_used_at))
            for u in self._usage.uses_of(user_id)
        ]

    def popularity(self, months: list[str], team: str | None) -> dict[str, int]:
        """Uses per agent over `months` (``yyyy-mm``), by everyone (`team` None) or one team."""
        totals: dict[str, int] = {}
        for month in months:
            for agent_id, uses in self._usage.agent_popularity(month, team).items():
                totals[agent_id] = totals.get(agent_id, 0) + uses
        return totals

    def agent_users(self, team: str | None) -> dict[str, int]:
        """How many users (of `team`, or everyone) have used each agent: one Query."""
        return self._usage.agent_users(team)

    def co_users(self, agent_id: str) -> dict[str, int]:
        """Users `agent_id` shares with each other agent ("people who use X also use Y"): one Query."""
        return self._usage.co_users(agent_id)

    def owners(self, user_ids: list[str]) -> dict[str, tuple[str, str]]:
        """Display name and team of each agent owner (one GetItem per owner; the service caches them)."""
        from a2g.identity.repository import DynamoUserStore

        users = DynamoUserStore()
        found: dict[str, tuple[str, str]] = {}
        for user_id in user_ids:
            user = users.get(user_id)
            if user is not None:
                found[user_id] = (user.display_name, user.team)
        return found

    def embedding_endpoint(self, model: str) -> EmbeddingEndpoint | None:
        """The enabled LLM serving `model` (registry: one GetItem for the route, one for the LLM)."""
        if self._llms is None:
            from a2g.llms.service import build_llm_registry

            self._llms = build_llm_registry()
        resolved = self._llms.resolve_model(model)
        if resolved is None:
            return None
        return EmbeddingEndpoint(
            model=resolved.model,
            base_url=resolved.base_url,
            api_key=resolved.api_key,
            timeout_seconds=float(resolved.timeout_seconds),
        )
