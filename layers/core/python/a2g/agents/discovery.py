"""Reaching agent servers from the registry: fetch A2A cards, check an agent answers, scan a server.

Every request goes through the guarded outbound client (a2g.adapters.outbound), so a card URL or scan URL
that points at loopback, a private network or the cloud metadata address is refused (400) unless
A2G_OUTBOUND_ALLOW names it.

Scans (for the Add-Agent dialog):
- AGNO AgentOS: `GET <base>/agents` and `GET <base>/teams`;
- Google ADK api_server: `GET <base>/list-apps`;
- LangGraph server: `POST <base>/assistants/search`;
- A2A: the card (see `fetch_card`).
Each answers a list of candidates the UI can post to `/api/my-agents` as they are.
"""

from __future__ import annotations

from typing import Any, Protocol

from a2g.agents.cards import MAX_CARD_BYTES, NormalizedCard, candidate_card_urls, looks_like_card, parse_card
from a2g.agents.model import Framework
from a2g.errors import PayloadTooLarge, PlatformError, UpstreamFailed, ValidationFailed
from a2g.log import logger

LIVENESS_TIMEOUT_SECONDS = 3.0
SCAN_MAX_BYTES = 2_000_000


class Http(Protocol):
    """What discovery needs of a2g.adapters.outbound.OutboundClient."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...
    def get_json(self, url: str, **kwargs: Any) -> Any: ...


class AgentDiscovery:
    def __init__(self, http: Http, policy: Any = None):
        self._http = http
        self._policy = policy if policy is not None else getattr(http, "policy", None)

    # --- cards ------------------------------------------------------------------------------------------

    def fetch_card(self, url: str) -> tuple[dict[str, Any], str]:
        """The card behind `url` and the URL it was read from.

        Tries `<url>/.well-known/agent-card.json`, `<url>/.well-known/agent.json`, then `url` itself (a URL
        that already names a .json file or a well-known path is read as is). Refused destinations, size
        overruns and timeouts stop the search at once; 404s and non-card answers move to the next URL.
        """
        tried: list[str] = []
        for candidate in candidate_card_urls(url):
            tried.append(candidate)
            try:
                data = self._http.get_json(candidate, max_bytes=MAX_CARD_BYTES)
            except PayloadTooLarge:
                raise PayloadTooLarge(
                    f"the agent card is larger than {MAX_CARD_BYTES} bytes", code="card_too_large"
                ) from None
            except UpstreamFailed as exc:
                if exc.code in ("upstream_status", "upstream_invalid_json"):
                    continue
                raise
            if looks_like_card(data):
                return data, candidate
        raise ValidationFailed(
            f"no A2A agent card found at {url} (tried {', '.join(tried)})", code="card_not_found"
        )

    def check_destination(self, url: str) -> None:
        """Refuse a URL the platform may not call (DNS resolved, every address checked)."""
        if self._policy is not None:
            self._policy.check_url(url)

    def check_answers(self, card: NormalizedCard) -> None:
        """The agent behind a posted card must answer: its well-known card, else any HTTP answer to a HEAD
        on its interface URL. Connection failures and timeouts are errors (502 / 504)."""
        origin = _origin(card.url)
        for probe in (origin + "/.well-known/agent-card.json", card.url):
            method = "GET" if probe.endswith(".json") else "HEAD"
            try:
                self._http.request(
                    method, probe, total_timeout=LIVENESS_TIMEOUT_SECONDS, max_bytes=MAX_CARD_BYTES,
                )
                return
            except (PayloadTooLarge, UpstreamFailed) as exc:
                if isinstance(exc, UpstreamFailed) and exc.code == "upstream_unreachable":
                    raise UpstreamFailed(
                        f"the agent at {card.url} does not answer: {exc.message}", code="agent_unreachable"
                    ) from None
                continue  # an answer of some kind: try the next probe for a cleaner one
        # Both probes produced answers we could not use (e.g. oversized): the server is there.

    # --- scans ------------------------------------------------------------------------------------------

    def scan(self, framework: Framework, url: str) -> dict[str, Any]:
        base = url.rstrip("/")
        if framework == Framework.A2A:
            return self._scan_a2a(url)
        if framework == Framework.AGNO:
            agents = self._list(base + "/agents", "GET")
            teams = self._list(base + "/teams", "GET", required=False)
            candidates = [
                _candidate("agent", item, base, framework, id_keys=("id", "agent_id"),
                           endpoint_key="agno_agent_id")
                for item in agents
            ] + [
                _candidate("team", item, base, framework, id_keys=("id", "team_id"), endpoint_key="agno_team_id")
                for item in teams
            ]
        elif framework == Framework.ADK:
            apps = self._list(base + "/list-apps", "GET")
            candidates = [
                _candidate("app", {"id": name, "name": name}, base, framework, id_keys=("id",),
                           endpoint_key="adk_app_name")
                for name in apps if isinstance(name, str)
            ]
        elif framework == Framework.LANGGRAPH:
            assistants = self._list(base + "/assistants/search", "POST", json={"limit": 100})
            candidates = [
                _candidate("assistant", item, base, framework, id_keys=("assistant_id", "id"),
                           endpoint_key="langgraph_assistant_id", name_keys=("name", "graph_id"))
                for item in assistants
            ]
        else:
            raise ValidationFailed("CUSTOM agents cannot be scanned; enter their endpoint by hand",
                                   code="scan_not_supported")
        return {"framework": framework.value, "base_url": base, "candidates": candidates}

    def _scan_a2a(self, url: str) -> dict[str, Any]:
        data, card_url = self.fetch_card(url)
        card = parse_card(data)
        self.check_destination(card.url)
        candidate = {
            "kind": "card",
            "id": card.name,
            "name": card.name,
            "description": card.description,
            "skills": [s.model_dump(exclude_none=True) for s in card.skills],
            "logo_url": card.icon_url,
            "framework": Framework.A2A.value,
            "endpoint": {"base_url": card.url, "a2a_protocol_version": card.protocol_version,
                         "a2a_streaming": card.streaming},
            "card_url": card_url,
            "a2a_card": card.raw,
        }
        return {"framework": Framework.A2A.value, "base_url": url.rstrip("/"), "card_url": card_url,
                "candidates": [candidate]}

    def _list(self, url: str, method: str, *, required: bool = True, **kwargs: Any) -> list[Any]:
        try:
            response = self._http.request(method, url, max_bytes=SCAN_MAX_BYTES, **kwargs)
        except PlatformError:
            if required:
                raise
            logger.info("optional scan endpoint failed", extra={"url": url})
            return []
        if response.status_code == 404 and not required:
            return []
        if not 200 <= response.status_code < 300:
            raise UpstreamFailed(f"{url} answered {response.status_code}", code="scan_failed")
        try:
            data = response.json()
        except ValueError:
            raise UpstreamFailed(f"{url} did not answer with JSON", code="scan_failed") from None
        if isinstance(data, dict):  # some servers wrap lists: {"agents": [...]}, {"data": [...]}
            data = next((v for v in data.values() if isinstance(v, list)), [])
        if not isinstance(data, list):
            raise UpstreamFailed(f"{url} did not answer with a list", code="scan_failed")
        return data


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _candidate(
    kind: str, item: Any, base: str, framework: Framework, *, id_keys: tuple[str, ...], endpoint_key: str,
    name_keys: tuple[str, ...] = ("name",),
) -> dict[str, Any]:
    item = item if isinstance(item, dict) else {"id": str(item)}
    ident = next((str(item[k]) for k in id_keys if item.get(k)), "")
    name = next((str(item[k]) for k in name_keys if item.get(k)), ident)
    description = item.get("description") or ""
    if not isinstance(description, str):
        description = ""
    return {
        "kind": kind,
        "id": ident,
        "name": name,
        "description": description,
        "framework": framework.value,
        "endpoint": {"base_url": base, endpoint_key: ident},
    }
