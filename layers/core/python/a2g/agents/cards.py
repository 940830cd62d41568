"""A2A Agent Cards in, A2A Agent Cards and the AI Catalog out.

In: `parse_card(data)` accepts both card shapes in use and turns either into one `NormalizedCard`:

- A2A v1.0: `supportedInterfaces: [{url, protocolBinding, protocolVersion, tenant?}]` (the first entry is
  preferred); required `name, description, version, supportedInterfaces, capabilities, defaultInputModes,
  defaultOutputModes, skills` and per skill `id, name, description, tags`.
- A2A v0.3: top-level `url`, `protocolVersion`, `preferredTransport` (default JSONRPC) and
  `additionalInterfaces: [{url, transport}]`; required `name, description, url, version, capabilities,
  defaultInputModes, defaultOutputModes, skills` and the same per-skill fields.

A card missing required fields is refused with every missing field named (400, code `invalid_agent_card`).
The platform talks JSON-RPC to A2A agents (a2g.agent_adapters.a2a), so the interface it keeps is the first
JSONRPC one; a card without one is refused.

Out: `published_card(agent)` is the A2A card the platform serves for a PRODUCTION agent at
`/api/catalog/agents/{id}/agent-card.json`, and `ai_catalog(...)` the `application/ai-catalog+json`
document of the AI Catalog draft (Agent-Card/ai-catalog, specification/ai-catalog.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from a2g.agents.model import Agent, Framework, Skill, check_http_url
from a2g.clock import iso
from a2g.errors import PayloadTooLarge, ValidationFailed

MAX_CARD_BYTES = 256 * 1024
"""A card larger than this is refused (413). Real cards are a few KB; 256 KB leaves room for many skills."""

WELL_KNOWN_PATHS = ("/.well-known/agent-card.json", "/.well-known/agent.json")
"""Where an A2A card lives under an agent's origin: the v1.0/v0.3 name first, then the pre-0.3 one."""

JSONRPC = "JSONRPC"
A2A_CARD_MEDIA_TYPE = "application/a2a-agent-card+json"
AI_CATALOG_MEDIA_TYPE = "application/ai-catalog+json"
AI_CATALOG_SPEC_VERSION = "1.0"

_V1_REQUIRED = (
    "name", "description", "version", "supportedInterfaces", "capabilities",
    "defaultInputModes", "defaultOutputModes", "skills",
)
_V03_REQUIRED = (
    "name", "description", "url", "version", "capabilities", "defaultInputModes", "defaultOutputModes", "skills",
)
_SKILL_REQUIRED = ("id", "name", "description", "tags")


@dataclass(frozen=True)
class NormalizedCard:
    """What the registry takes from a card, whichever version it was."""

    protocol_version: str  # the chosen interface's A2A version, e.g. "1.0" or "0.3.0"
    card_shape: str  # "1.0" or "0.3": which layout the card used
    name: str
    description: str
    version: str
    url: str  # the JSON-RPC interface the platform will call
    tenant: str | None
    streaming: bool
    skills: list[Skill]
    icon_url: str | None
    raw: dict[str, Any] = field(repr=False)

    @property
    def source_key(self) -> str:
        """Identity of the agent behind the card: its interface URL (and tenant), normalised and hashed.

        Registering the same agent again — as a posted card or through its card URL — lands on the same
        key, so it updates in place; a renamed agent at the same URL is still the same agent.
        """
        return source_key_for(self.url, self.tenant)


def source_key_for(url: str, tenant: str | None = None) -> str:
    """The A2A source key of an agent at `url` (AgentsTable `SOURCE#<key>`)."""
    identity = normalise_url(url) + ("#" + tenant if tenant else "")
    return hashlib.sha256(identity.encode()).hexdigest()


def normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, default) else f"[{host}]:{port}"
    path = parts.path.rstrip("/") or ""
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def check_card_size(raw: bytes | str) -> None:
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_CARD_BYTES:
        raise PayloadTooLarge(
            f"the agent card is {size} bytes; the limit is {MAX_CARD_BYTES}", code="card_too_large"
        )


def looks_like_card(data: Any) -> bool:
    """True for something shaped like an A2A card of either version (used to tell a card URL from a base)."""
    return isinstance(data, dict) and "name" in data and ("supportedInterfaces" in data or "url" in data)


def _invalid(message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_agent_card", details=details or None)


def _missing(data: dict[str, Any], names: tuple[str, ...], prefix: str = "") -> list[str]:
    """Required fields that are absent or blank (an empty interface list counts as absent: the agent
    would be unreachable; an empty skills list does not: an agent may declare none)."""
    missing = []
    for name in names:
        value = data.get(name)
        if (value is None or (isinstance(value, str) and not value.strip())
                or (name == "supportedInterfaces" and value == [])):
            missing.append(prefix + name)
    return missing


def parse_card(data: Any) -> NormalizedCard:
    """Validate an A2A card (v1.0 or v0.3) and normalise it; ValidationFailed names what is wrong."""
    if not isinstance(data, dict):
        raise _invalid("the agent card must be a JSON object")
    check_card_size(json.dumps(data, separators=(",", ":"), ensure_ascii=False))
    shape = "1.0" if "supportedInterfaces" in data else "0.3"
    missing = _missing(data, _V1_REQUIRED if shape == "1.0" else _V03_REQUIRED)

    interfaces = _interfaces(data, shape, missing)
    skills_raw = data.get("skills")
    if skills_raw is not None and not isinstance(skills_raw, list):
        raise _invalid("skills must be an array")
    for index, skill in enumerate(skills_raw or []):
        if not isinstance(skill, dict):
            raise _invalid(f"skills[{index}] must be an object")
        missing.extend(_missing(skill, _SKILL_REQUIRED, f"skills[{index}]."))
    for name in ("capabilities",):
        if name in data and not isinstance(data[name], dict):
            raise _invalid(f"{name} must be an object")
    for name in ("defaultInputModes", "defaultOutputModes"):
        if name in data and not isinstance(data[name], list):
            raise _invalid(f"{name} must be an array of media types")
    if missing:
        raise _invalid(
            f"the agent card (A2A {shape} shape) is missing required fields: {', '.join(missing)}",
            missing=missing,
        )

    chosen = next((i for i in interfaces if i["binding"].upper() == JSONRPC), None)
    if chosen is None:
        bindings = sorted({i["binding"] for i in interfaces})
        raise _invalid(
            "the platform talks JSON-RPC to A2A agents; the card offers no JSONRPC interface "
            f"(it offers {', '.join(bindings) or 'none'})",
        )
    try:
        url = check_http_url(chosen["url"], "the card's interface url")
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    assert url is not None
    icon = data.get("iconUrl")
    try:
        icon = check_http_url(icon, "iconUrl") if isinstance(icon, str) else None
    except ValueError:
        icon = None  # a bad icon is not worth refusing the card for; the platform logo field is separate
    capabilities = data.get("capabilities") or {}
    return NormalizedCard(
        protocol_version=str(chosen["version"] or ("1.0" if shape == "1.0" else "0.3.0")),
        card_shape=shape,
        name=str(data["name"]).strip()[:120],
        description=str(data["description"]).strip()[:4000],
        version=str(data["version"]),
        url=url,
        tenant=chosen.get("tenant") or None,
        streaming=bool(capabilities.get("streaming", False)),
        skills=[_skill(s) for s in data.get("skills") or []][:64],
        icon_url=icon,
        raw=data,
    )


def _interfaces(data: dict[str, Any], shape: str, missing: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if shape == "1.0":
        raw = data.get("supportedInterfaces")
        if raw is not None and not isinstance(raw, list):
            raise _invalid("supportedInterfaces must be an array")
        for index, item in enumerate(raw or []):
            if not isinstance(item, dict):
                raise _invalid(f"supportedInterfaces[{index}] must be an object")
            missing.extend(
                _missing(item, ("url", "protocolBinding", "protocolVersion"), f"supportedInterfaces[{index}].")
            )
            found.append({
                "url": item.get("url") or "", "binding": str(item.get("protocolBinding") or ""),
                "version": item.get("protocolVersion"), "tenant": item.get("tenant"),
            })
        return found
    version = data.get("protocolVersion") or "0.3.0"
    if data.get("url"):
        found.append({"url": data["url"], "binding": str(data.get("preferredTransport") or JSONRPC),
                      "version": version, "tenant": None})
    additional = data.get("additionalInterfaces")
    for index, item in enumerate(additional if isinstance(additional, list) else []):
        if isinstance(item, dict) and item.get("url"):
            found.append({"url": item["url"], "binding": str(item.get("transport") or ""),
                          "version": version, "tenant": None})
        else:
            missing.append(f"additionalInterfaces[{index}].url")
    return found


def _skill(raw: dict[str, Any]) -> Skill:
    raw_tags = raw.get("tags")
    tags: list[Any] = raw_tags if isinstance(raw_tags, list) else []
    raw_examples = raw.get("examples")
    examples = [str(e) for e in raw_examples if isinstance(e, str)] if isinstance(raw_examples, list) else []
    return Skill(
        id=str(raw.get("id"))[:200] if raw.get("id") is not None else None,
        name=str(raw.get("name") or raw.get("id") or "skill")[:200],
        description=str(raw.get("description") or "")[:2000],
        tags=[str(t) for t in tags][:32],
        examples=examples[:10],
    )


def candidate_card_urls(url: str) -> list[str]:
    """The URLs to try for a card given a URL: the URL itself if it names a JSON file / well-known path,
    else `<url>/.well-known/agent-card.json`, `<url>/.well-known/agent.json`, then the URL itself."""
    stripped = url.rstrip("/")
    path = urlsplit(stripped).path
    if path.endswith(".json") or "/.well-known/" in path:
        return [url]
    return [stripped + p for p in WELL_KNOWN_PATHS] + [url]


# --------------------------------------------------------------------------------------------------------
# Out: the platform's own documents
# --------------------------------------------------------------------------------------------------------


def card_url_for(public_url: str, agent_id: str) -> str:
    return f"{public_url.rstrip('/')}/api/catalog/agents/{agent_id}/agent-card.json"


def gateway_url_for(public_url: str, agent_id: str) -> str:
    """The agent's one governed A2A address: the platform's gateway (functions/a2a_gateway)."""
    return f"{public_url.rstrip('/')}/api/a2a/agents/{agent_id}"


GATEWAY_SECURITY_SCHEME = "a2g_api_key"


def supports_push(agent: Agent) -> bool:
    """An A2A agent whose own card declares push notifications: the gateway passes their configs through
    (the agent calls the caller's webhook itself). Adapted agents run within the caller's request: none."""
    if agent.framework != Framework.A2A or not isinstance(agent.a2a_card, dict):
        return False
    capabilities = agent.a2a_card.get("capabilities")
    return isinstance(capabilities, dict) and capabilities.get("pushNotifications") is True


def published_card(agent: Agent, public_url: str) -> dict[str, Any]:
    """The A2A card the platform publishes for an agent: the gateway's card, whatever the framework.

    Its interfaces are the gateway's URLs (JSON-RPC, v1.0 and v0.3 on the same URL; the v1.0 HTTP+JSON binding
    under `/v1`), never the agent's own address; it asks for the platform API key as a bearer token; it lists the agent's skills (an A2A agent's
    own card's skills, else the registry's) and the capabilities the gateway really offers: streaming (an A2A
    agent's as its card says; adapted agents always), push notifications as an A2A agent's card says (its configs are
    passed through; never for adapted agents). The v1.0 shape, plus the v0.3
    top-level `url` / `preferredTransport` / `protocolVersion` that v0.3 clients read.
    """
    base, url = public_url.rstrip("/"), gateway_url_for(public_url, agent.id)
    own: dict[str, Any] = (
        agent.a2a_card if agent.framework == Framework.A2A and isinstance(agent.a2a_card, dict) else {}
    )
    capabilities = own.get("capabilities")
    own_capabilities: dict[str, Any] = capabilities if isinstance(capabilities, dict) else {}
    streaming = bool(own_capabilities.get("streaming", True)) if own else True
    own_skills = own.get("skills") if isinstance(own.get("skills"), list) else None
    skills = [
        {k: v for k, v in skill.items() if k not in ("security", "securityRequirements")}
        for skill in (own_skills or []) if isinstance(skill, dict)
    ] or [
        {"id": s.id or f"skill-{i + 1}", "name": s.name, "description": s.description or s.name, "tags": s.tags,
         **({"examples": s.examples} if s.examples else {})}
        for i, s in enumerate(agent.skills)
    ]
    card: dict[str, Any] = {
        "name": agent.name,
        "description": agent.description or agent.name,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": JSONRPC, "protocolVersion": "1.0"},
            {"url": url, "protocolBinding": JSONRPC, "protocolVersion": "0.3"},
            {"url": f"{url}/v1", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"},
        ],
        "provider": {"organization": "A2G Agent Platform", "url": base},
        "version": str(own.get("version") or agent.version),
        "documentationUrl": f"{base}/agents/{agent.id}",
        "capabilities": {"streaming": streaming, "pushNotifications": supports_push(agent)},
        "securitySchemes": {GATEWAY_SECURITY_SCHEME: {"httpAuthSecurityScheme": {
            "scheme": "Bearer", "description": "your A2G platform API key (or a signed-in user's access token)",
        }}},
        "securityRequirements": [{"schemes": {GATEWAY_SECURITY_SCHEME: {"list": []}}}],
        "defaultInputModes": list(own.get("defaultInputModes") or ["text/plain"]),
        "defaultOutputModes": list(own.get("defaultOutputModes") or ["text/plain"]),
        "skills": skills,
        # v0.3 readers
        "url": url,
        "preferredTransport": JSONRPC,
        "protocolVersion": "0.3.0",
    }
    icon = agent.logo_url or own.get("iconUrl")
    if icon:
        card["iconUrl"] = icon
    return card


def catalog_entry(agent: Agent, public_url: str) -> dict[str, Any]:
    """One AI Catalog entry for a published agent.

    `identifier`: the platform is the catalogue operator, not the agent's publisher, so (per the draft's
    "Catalog Projection") it uses an identifier under its own control — the stable card URL — and not a
    `urn:air` name. `displayName` and `description` are omitted: the referenced card carries them and the
    draft says to leave them out to avoid drift. Platform-only facts go under a namespaced extension.
    """
    tags = list(dict.fromkeys(tag for skill in agent.skills for tag in skill.tags))
    entry: dict[str, Any] = {
        "identifier": card_url_for(public_url, agent.id),
        "type": A2A_CARD_MEDIA_TYPE,
        "url": card_url_for(public_url, agent.id),
        "updatedAt": iso(agent.updated_at),
        "extensions": {
            "a2g.agent": {
                "agent_id": agent.id,
                "a2a_url": gateway_url_for(public_url, agent.id),
                "framework": agent.framework.value,
                "color": agent.color,
                "logo_url": agent.logo_url,
            }
        },
    }
    if tags:
        entry["tags"] = tags
    return entry


def ai_catalog(
    agents: list[Agent], public_url: str, *, next_page_url: str | None = None
) -> dict[str, Any]:
    """The `application/ai-catalog+json` document: `specVersion`, `host`, `entries`.

    A long catalogue is split as the draft suggests: the last entry of a page is a nested catalog
    (`type: application/ai-catalog+json`) pointing at the next page.
    """
    base = public_url.rstrip("/")
    entries = [catalog_entry(agent, public_url) for agent in agents]
    if next_page_url:
        entries.append({
            "identifier": next_page_url,
            "type": AI_CATALOG_MEDIA_TYPE,
            "url": next_page_url,
            "displayName": "More agents",
        })
    return {
        "specVersion": AI_CATALOG_SPEC_VERSION,
        "host": {
            "displayName": "A2G Agent Platform",
            "identifier": urlsplit(base).hostname or base,
            "documentationUrl": f"{base}/api/docs",
        },
        "entries": entries,
    }
