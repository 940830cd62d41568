"""The agent registry: agents, their A2A cards, registration, scanning and the published catalogue.

Modules
-------
- model.py      `Agent`, `Skill`, `Endpoint`, `Framework`, `AgentStatus`, request bodies (colour / URL checks)
- cards.py      A2A card validation and normalisation (v1.0 and v0.3), the published card, the AI Catalog
- repository.py `AgentRepository` (PynamoDB, AgentsTable) — the storage API other domains may use
- discovery.py  card fetching, liveness checks and server scans through the guarded outbound client
- service.py    `AgentService` (my agents, A2A registration, scans), `CatalogService` (published agents)
- wiring.py     the composition root: `agent_service()`, `catalog_service()`, `agent_store()`

For other domains
-----------------
::

    from a2g.agents.repository import AgentRepository
    repo = AgentRepository()
    repo.get(agent_id) -> Agent | None                      # any status; apply visibility yourself
    repo.get_owned(owner_id, agent_id) -> Agent | None
    repo.list_by_status(status, cursor=None, limit=50, updated_until=None, newest_first=False) -> AgentPage
    repo.touch_last_used(agent_id)                           # no version bump, ≤ 1 write a minute
    repo.set_status(agent_id, status, expected_version=None) -> Agent | None   # 409 when stale
    repo.delete(owner_id, agent_id, expected_version=None) -> bool

`Agent` has `id` (also `agent_id`), `owner_id`, `name`, `description`, `logo_url`, `color`, `skills`,
`framework`, `endpoint` (`base_url`, `agno_agent_id`, `agno_team_id`, `adk_app_name`,
`langgraph_assistant_id`, `custom_protocol`, `custom_model`, `a2a_protocol_version`, `a2a_streaming`),
`status`, `created_at`, `updated_at`, `last_used_at`, `version`, `trace_id`, `a2a_card`, `card_url`.
"""

from a2g.agents.model import Agent, AgentPage, AgentStatus, Endpoint, Framework, Skill

__all__ = ["Agent", "AgentPage", "AgentStatus", "Endpoint", "Framework", "Skill"]
