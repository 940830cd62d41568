"""The registry's rules: who may see and change which agent, the lifecycle, A2A registration, the catalogue.

Rules in one place:
- an agent belongs to its owner; anyone else asking for it under /api/my-agents gets 404;
- a PATCH carries the version it read; a stale one is refused with 409 and nothing is written;
- DEVELOPMENT → PRODUCTION is publishing, PRODUCTION/DISABLED → DEVELOPMENT is withdrawing; publishing a
  DISABLED agent re-enables it (its owner fixed it);
- every agent gets, at creation, a stable trace owned by its owner (TracesTable `TRACE#<id>/META`, kind
  "agent"): its developer points the agent's LLM base URL at `<platform>/api/log-proxy/<trace_id>/v1`;
- `POST /api/a2a/register` is an idempotent upsert keyed by (owner, the card's interface URL): the same
  agent registered again is updated in place (200), a new one is created (201);
- URLs the platform will call (card URLs, interface URLs, endpoints, scan URLs) must pass the outbound
  destination policy; nothing is stored when any check fails;
- a create or a save never computes the agent's ranking embedding (the model is ranking's, 120 MB and
  seconds to load): an update that changes what an agent is about (name, description, skills) drops the
  stored vector, so ranking never reads a stale one, and the ranking function embeds agents that have
  none (docs/ranking.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from a2g.agents.cards import (
    NormalizedCard,
    ai_catalog,
    check_card_size,
    parse_card,
    published_card,
    source_key_for,
)
from a2g.agents.model import (
    DEFAULT_COLOR,
    Agent,
    AgentCreate,
    AgentPatch,
    AgentStatus,
    Endpoint,
    Framework,
    RegistrationExtras,
    ScanRequest,
    Skill,
)
from a2g.agents.repository import AgentStore, SourceMove
from a2g.clock import Clock
from a2g.errors import Conflict, NotFound, ValidationFailed
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.log import logger

MAX_PAGE = 100
_EXTRAS = ("logo_url", "color", "framework", "endpoint")


class TraceRegistrar(Protocol):
    """The tracing domain, as the registry needs it (a2g.tracing.repository.TraceRepository fits)."""

    def create_trace(
        self, owner_user_id: str, kind: Any, agent_id: str | None = None, session_id: str | None = None
    ) -> str: ...
    def delete_trace(self, trace_id: str) -> None: ...


class Discovery(Protocol):
    """a2g.agents.discovery.AgentDiscovery (fakes in unit tests)."""

    def fetch_card(self, url: str) -> tuple[dict[str, Any], str]: ...
    def check_destination(self, url: str) -> None: ...
    def check_answers(self, card: NormalizedCard) -> None: ...
    def scan(self, framework: Framework, url: str) -> dict[str, Any]: ...


class AgentDataCleaner(Protocol):
    """Deletes what other domains keep about an agent (chat sessions, files). Best effort."""

    def delete_agent_data(self, agent: Agent) -> None: ...


@dataclass(frozen=True)
class Registration:
    agent: Agent
    created: bool


def _page_limit(limit: int | None) -> int:
    if limit is None:
        return 50
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE}", code="invalid_limit")
    return limit


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


class AgentService:
    """/api/my-agents, /api/a2a/register and the scan, for one caller at a time."""

    def __init__(
        self,
        store: AgentStore,
        traces: TraceRegistrar,
        discovery: Discovery,
        clock: Clock,
        *,
        public_url: str,
        cleaner: AgentDataCleaner | None = None,
    ):
        self._store = store
        self._traces = traces
        self._discovery = discovery
        self._clock = clock
        self._public_url = public_url
        self._cleaner = cleaner

    # --- views ------------------------------------------------------------------------------------------

    def view(self, agent: Agent) -> dict[str, Any]:
        return agent.owner_view(self._public_url)

    # --- reads ------------------------------------------------------------------------------------------

    def list_mine(self, caller: Principal, *, cursor: str | None = None, limit: int | None = None
                  ) -> dict[str, Any]:
        page = self._store.list_by_owner(caller.user_id, cursor=cursor, limit=_page_limit(limit))
        return {"items": [self.view(a) for a in page.agents], "next_cursor": page.cursor}

    def get_mine(self, caller: Principal, agent_id: str) -> Agent:
        agent = self._store.get_owned(caller.user_id, agent_id)
        if agent is None:
            raise NotFound("agent not found")
        return agent

    # --- manual create / change -------------------------------------------------------------------------

    def create(self, caller: Principal, body: AgentCreate) -> Agent:
        endpoint = body.endpoint
        card: NormalizedCard | None = None
        source_key: str | None = None
        if body.framework == Framework.A2A and body.a2a_card is not None:
            card = parse_card(body.a2a_card)
            endpoint = _a2a_endpoint(card)
            source_key = card.source_key
        elif body.framework == Framework.A2A:
            source_key = source_key_for(endpoint.base_url)
        self._discovery.check_destination(endpoint.base_url)
        replace_source = False
        if source_key is not None:
            replace_source, existing = self._source(caller.user_id, source_key)
            if existing is not None:
                raise Conflict(
                    f"this A2A agent is already registered as {existing.id}; edit that one",
                    code="already_registered", details={"agent_id": existing.id},
                )
        return self._create(
            caller, name=body.name, description=body.description, skills=body.skills,
            framework=body.framework, endpoint=endpoint, logo_url=body.logo_url, color=body.color,
            a2a_card=card.raw if card else None, card_url=None, source_key=source_key,
            replace_source=replace_source,
        )

    def patch(self, caller: Principal, agent_id: str, body: AgentPatch) -> Agent:
        agent = self.get_mine(caller, agent_id)
        if body.version != agent.version:
            raise Conflict(
                f"the agent is at version {agent.version}, not {body.version}; read it again and retry",
                code="version_conflict", details={"current_version": agent.version},
            )
        changes = body.changes()
        for required in ("name", "framework", "endpoint", "skills"):
            if required in changes and changes[required] is None:
                raise ValidationFailed(f"{required} cannot be null", code="validation_error")
        if "color" in changes and changes["color"] is None:
            changes["color"] = DEFAULT_COLOR
        if "description" in changes and changes["description"] is None:
            changes["description"] = ""
        framework = changes.get("framework", agent.framework)
        endpoint = changes.get("endpoint", agent.endpoint)
        if "framework" in changes or "endpoint" in changes:
            try:
                endpoint.check_for(framework)
            except ValueError as exc:
                raise ValidationFailed(str(exc)) from None
            if "endpoint" in changes:
                self._discovery.check_destination(endpoint.base_url)
        changes = {k: v for k, v in changes.items() if getattr(agent, k) != v}
        if not changes:
            return agent
        move = self._source_move(agent, framework, endpoint) if {"framework", "endpoint"} & changes.keys() else None
        if move is not None:
            changes["source_key"] = move.new_key
        return self._update(agent, changes, source_move=move)

    def _source_move(self, agent: Agent, framework: Framework, endpoint: Endpoint) -> SourceMove | None:
        """An A2A agent's registration key follows its URL, so registering the new URL again updates this
        agent (not a duplicate) and the old URL is free; None when the key does not change."""
        new_key = None
        if framework == Framework.A2A:
            tenant = None
            if agent.a2a_card:
                try:
                    tenant = parse_card(agent.a2a_card).tenant
                except Exception:  # noqa: BLE001 - a stored card we can no longer read names no tenant
                    tenant = None
            new_key = source_key_for(endpoint.base_url, tenant)
        if new_key == agent.source_key:
            return None
        replace_new = False
        if new_key is not None:
            replace_new, holder = self._source(agent.owner_id, new_key)
            if holder is not None and holder.id != agent.id:
                raise Conflict(
                    f"your agent {holder.id} is already registered at this URL; edit that one",
                    code="already_registered", details={"agent_id": holder.id},
                )
        drop_old = bool(agent.source_key) and (
            self._store.source_agent_id(agent.owner_id, agent.source_key or "") == agent.id
        )
        return SourceMove(agent.source_key, drop_old, new_key, endpoint.base_url, replace_new)

    def delete(self, caller: Principal, agent_id: str, *, version: int | None = None) -> None:
        agent = self.get_mine(caller, agent_id)
        if version is not None and version != agent.version:
            raise Conflict(f"the agent is at version {agent.version}, not {version}", code="version_conflict")
        if not self._store.delete(caller.user_id, agent_id, expected_version=agent.version):
            raise NotFound("agent not found")
        self._after_delete(agent)

    def publish(self, caller: Principal, agent_id: str, *, version: int | None = None) -> Agent:
        return self._set_status(caller, agent_id, AgentStatus.PRODUCTION, version)

    def withdraw(self, caller: Principal, agent_id: str, *, version: int | None = None) -> Agent:
        return self._set_status(caller, agent_id, AgentStatus.DEVELOPMENT, version)

    def _set_status(self, caller: Principal, agent_id: str, status: AgentStatus, version: int | None) -> Agent:
        agent = self.get_mine(caller, agent_id)
        if version is not None and version != agent.version:
            raise Conflict(f"the agent is at version {agent.version}, not {version}", code="version_conflict")
        if agent.status == status:
            return agent  # publishing a published agent changes nothing
        updated = self._store.update(
            agent.owner_id, agent.id, agent.version, {"status": status}, updated_at=self._clock.now()
        )
        logger.info("agent status changed", extra={"agent_id": agent.id, "from": agent.status.value,
                                                   "to": status.value})
        return updated

    # --- scan -------------------------------------------------------------------------------------------

    def scan(self, caller: Principal, body: ScanRequest) -> dict[str, Any]:
        result = self._discovery.scan(body.framework, body.url)
        logger.info("agent server scanned", extra={"user_id": caller.user_id, "framework": body.framework.value,
                                                   "candidates": len(result.get("candidates", []))})
        return result

    # --- A2A registration ---------------------------------------------------------------------------------

    def register(self, caller: Principal, body: Any) -> Registration:
        """Upsert an agent from an A2A card (v1.0 or v0.3), posted or fetched from `card_url`."""
        if not isinstance(body, dict):
            raise ValidationFailed("the body must be a JSON object: an A2A agent card or {\"card_url\": ...}")
        try:
            extras = RegistrationExtras.model_validate({k: body[k] for k in _EXTRAS if k in body})
        except ValidationError as exc:
            raise ValidationFailed(_validation_message(exc)) from None
        framework = extras.framework or Framework.A2A
        if framework != Framework.A2A:
            if extras.endpoint is None:
                raise ValidationFailed(
                    f"framework {framework.value} needs an endpoint object beside the card", code="validation_error"
                )
            try:
                extras.endpoint.check_for(framework)
            except ValueError as exc:
                raise ValidationFailed(str(exc)) from None

        card_url: str | None = None
        if isinstance(body.get("card_url"), str):
            self._discovery.check_destination(body["card_url"])
            raw, card_url = self._discovery.fetch_card(body["card_url"])
            card = parse_card(raw)
        else:
            raw = body["card"] if isinstance(body.get("card"), dict) else {
                k: v for k, v in body.items() if k not in _EXTRAS and k != "card_url"
            }
            check_card_size(_json_text(raw))
            card = parse_card(raw)
        endpoint = _a2a_endpoint(card) if framework == Framework.A2A else extras.endpoint
        assert endpoint is not None
        self._discovery.check_destination(card.url)
        if endpoint.base_url != card.url:
            self._discovery.check_destination(endpoint.base_url)
        if card_url is None:
            self._discovery.check_answers(card)  # a fetched card already proved its server answers

        for attempt in (1, 2):
            has_row, existing = self._source(caller.user_id, card.source_key)
            if existing is not None:
                agent = self._refresh_registration(existing, card, framework, endpoint, extras, card_url)
                return Registration(agent, created=False)
            try:
                agent = self._create(
                    caller, name=card.name, description=card.description, skills=card.skills,
                    framework=framework, endpoint=endpoint, logo_url=extras.logo_url or card.icon_url,
                    color=extras.color, a2a_card=card.raw, card_url=card_url, source_key=card.source_key,
                    replace_source=has_row,  # a row left by a deleted agent is taken over
                )
            except Conflict:
                if attempt == 2:
                    raise
                continue  # a concurrent registration of the same agent won: update that one instead
            logger.info("agent registered", extra={"agent_id": agent.id, "card_shape": card.card_shape,
                                                   "via": caller.auth_kind})
            return Registration(agent, created=True)
        raise AssertionError("unreachable")

    def _refresh_registration(
        self, existing: Agent, card: NormalizedCard, framework: Framework, endpoint: Endpoint,
        extras: RegistrationExtras, card_url: str | None,
    ) -> Agent:
        changes: dict[str, Any] = {
            "name": card.name, "description": card.description, "skills": card.skills,
            "framework": framework, "endpoint": endpoint, "a2a_card": card.raw, "card_url": card_url,
        }
        if extras.logo_url or (card.icon_url and not existing.logo_url):
            changes["logo_url"] = extras.logo_url or card.icon_url
        if extras.color:
            changes["color"] = extras.color
        changes = {k: v for k, v in changes.items() if getattr(existing, k) != v}
        agent = self._update(existing, changes) if changes else existing
        logger.info("agent re-registered", extra={"agent_id": agent.id, "changed": sorted(changes)})
        return agent

    # --- internals --------------------------------------------------------------------------------------

    def _source(self, owner_id: str, source_key: str) -> tuple[bool, Agent | None]:
        """(a source row exists, the live agent it points at)."""
        agent_id = self._store.source_agent_id(owner_id, source_key)
        if agent_id is None:
            return False, None
        return True, self._store.get_owned(owner_id, agent_id)

    def _create(
        self, caller: Principal, *, name: str, description: str, skills: list[Skill], framework: Framework,
        endpoint: Endpoint, logo_url: str | None, color: str | None, a2a_card: dict[str, Any] | None,
        card_url: str | None, source_key: str | None, replace_source: bool = False,
    ) -> Agent:
        now = self._clock.now()
        agent_id = new_id("agt")
        trace_id = self._traces.create_trace(caller.user_id, "agent", agent_id=agent_id)
        agent = Agent(
            id=agent_id, owner_id=caller.user_id, name=name, description=description, logo_url=logo_url,
            color=color or DEFAULT_COLOR, skills=skills, framework=framework, endpoint=endpoint,
            status=AgentStatus.DEVELOPMENT, created_at=now, updated_at=now, version=1, trace_id=trace_id,
            a2a_card=a2a_card, card_url=card_url, source_key=source_key,
        )
        try:
            stored = self._store.create(
                agent, source_key=source_key, source_url=card_url or endpoint.base_url,
                replace_source=replace_source,
            )
        except BaseException:
            self._forget_trace(trace_id)
            raise
        logger.info("agent created", extra={"agent_id": agent_id, "framework": framework.value})
        return stored

    def _update(self, agent: Agent, changes: dict[str, Any], source_move: SourceMove | None = None) -> Agent:
        kwargs: dict[str, Any] = {"source_move": source_move} if source_move is not None else {}
        if {"name", "description", "skills"} & changes.keys():
            kwargs.update(embedding=None, embedding_model=None)  # stale now: ranking embeds the agent anew
        return self._store.update(
            agent.owner_id, agent.id, agent.version, changes, updated_at=self._clock.now(), **kwargs
        )

    def _after_delete(self, agent: Agent) -> None:
        if agent.trace_id:
            self._forget_trace(agent.trace_id)
        if self._cleaner is not None:
            try:
                self._cleaner.delete_agent_data(agent)
            except Exception as exc:  # noqa: BLE001 - the lifecycle job removes what is left
                logger.warning("agent data cleanup failed", extra={"agent_id": agent.id, "error": str(exc)})
        logger.info("agent deleted", extra={"agent_id": agent.id})

    def _forget_trace(self, trace_id: str) -> None:
        try:
            self._traces.delete_trace(trace_id)
        except Exception as exc:  # noqa: BLE001 - an orphan trace row is harmless: nobody owns its agent
            logger.warning("trace cleanup failed", extra={"trace_id": trace_id, "error": str(exc)})


def _a2a_endpoint(card: NormalizedCard) -> Endpoint:
    return Endpoint.model_validate(
        {"base_url": card.url, "a2a_protocol_version": card.protocol_version, "a2a_streaming": card.streaming}
    )


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class CatalogService:
    """What every approved user sees: PRODUCTION agents, their A2A cards and the AI Catalog document."""

    def __init__(self, store: AgentStore, *, public_url: str):
        self._store = store
        self._public_url = public_url.rstrip("/")

    def list_published(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        page = self._store.list_by_status(
            AgentStatus.PRODUCTION, cursor=cursor, limit=_page_limit(limit), newest_first=True
        )
        return {"items": [a.public_view() for a in page.agents], "next_cursor": page.cursor}

    def get_visible(self, caller: Principal, agent_id: str) -> dict[str, Any]:
        """A published agent for anyone approved; the owner also sees their own in any status."""
        agent = self._store.get(agent_id)
        if agent is None:
            raise NotFound("agent not found")
        if agent.owner_id == caller.user_id:
            return agent.owner_view(self._public_url)
        if agent.status != AgentStatus.PRODUCTION:
            raise NotFound("agent not found")
        return agent.public_view()

    def published_card(self, agent_id: str) -> dict[str, Any]:
        agent = self._store.get(agent_id)
        if agent is None or agent.status != AgentStatus.PRODUCTION:
            raise NotFound("agent not found")
        return published_card(agent, self._public_url)

    def catalog(self, *, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        page = self._store.list_by_status(
            AgentStatus.PRODUCTION, cursor=cursor, limit=_page_limit(limit or MAX_PAGE), newest_first=True
        )
        next_url = f"{self._public_url}/api/catalog?cursor={page.cursor}" if page.cursor else None
        return ai_catalog(page.agents, self._public_url, next_page_url=next_url)


__all__ = [
    "AgentDataCleaner",
    "AgentService",
    "CatalogService",
    "Discovery",
    "Registration",
    "TraceRegistrar",
]
