"""The agent as the registry knows it, and the request bodies that create or change one.

Plain pydantic models: no storage, no HTTP. The repository maps them to DynamoDB items, the service applies
the rules, the handlers return `Agent.owner_view()` / `Agent.public_view()`.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from a2g.clock import iso
from a2g.validation import PlainText, StrictInt, Text

COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_COLOR = "#4F46E5"
MAX_NAME = 120
MAX_DESCRIPTION = 4000
MAX_SKILLS = 64
MAX_TAGS = 32
MAX_EXAMPLES = 10
MAX_EXAMPLE_CHARS = 500
MAX_URL = 2048


class Framework(StrEnum):
    AGNO = "AGNO"
    ADK = "ADK"
    LANGGRAPH = "LANGGRAPH"
    A2A = "A2A"
    CUSTOM = "CUSTOM"


class AgentStatus(StrEnum):
    DEVELOPMENT = "DEVELOPMENT"
    PRODUCTION = "PRODUCTION"
    DISABLED = "DISABLED"


def check_http_url(value: str | None, field_name: str) -> str | None:
    """An absolute http(s) URL with a host, or None. Destination (SSRF) checks are the outbound client's."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise ValueError(f"{field_name} is longer than {MAX_URL} characters")
    match = re.match(r"^(https?)://([^/?#\s]+)", text, re.IGNORECASE)
    if not match or match.group(2).startswith("@"):
        raise ValueError(f"{field_name} must be an http or https URL")
    return text


def check_color(value: str | None) -> str | None:
    if value is None:
        return None
    if not COLOR_PATTERN.match(value.strip()):
        raise ValueError("color must be #RRGGBB (six hex digits), e.g. #4F46E5")
    return value.strip().upper()


class Skill(BaseModel):
    """What the agent can do, shown on its card and embedded for ranking."""

    model_config = ConfigDict(extra="ignore")

    id: PlainText | None = Field(None, max_length=200)
    name: PlainText = Field(min_length=1, max_length=200)
    description: Text = Field("", max_length=2000)
    tags: list[PlainText] = Field(default_factory=list, max_length=MAX_TAGS)
    # A2A AgentSkill.examples: prompts this skill answers, offered as suggestions in an empty chat.
    examples: list[Text] = Field(default_factory=list, max_length=MAX_EXAMPLES)

    @field_validator("examples")
    @classmethod
    def _clean_examples(cls, examples: list[str]) -> list[str]:
        cleaned = [e.strip()[:MAX_EXAMPLE_CHARS] for e in examples if e and e.strip()]
        return list(dict.fromkeys(cleaned))

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: list[str]) -> list[str]:
        cleaned = [t.strip()[:64] for t in tags if t and t.strip()]
        return list(dict.fromkeys(cleaned))


class Endpoint(BaseModel):
    """Where the agent lives and what its framework needs to address it (see a2g.agent_adapters)."""

    model_config = ConfigDict(extra="ignore")

    base_url: str = Field(max_length=MAX_URL)
    agno_agent_id: PlainText | None = Field(None, max_length=200)
    agno_team_id: PlainText | None = Field(None, max_length=200)
    adk_app_name: PlainText | None = Field(None, max_length=200)
    langgraph_assistant_id: PlainText | None = Field(None, max_length=200)
    custom_protocol: Literal["openai", "json"] | None = None
    custom_model: PlainText | None = Field(None, max_length=200)
    # A2A: the protocol version and streaming support of the interface the card chose (read from the card).
    a2a_protocol_version: str | None = Field(None, max_length=20)
    a2a_streaming: bool | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        checked = check_http_url(value, "endpoint.base_url")
        if checked is None:
            raise ValueError("endpoint.base_url is required")
        return checked

    @field_validator(
        "agno_agent_id", "agno_team_id", "adk_app_name", "langgraph_assistant_id", "custom_model", mode="before"
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    def check_for(self, framework: Framework) -> None:
        """Raise ValueError naming what this framework needs and is missing."""
        if framework == Framework.AGNO:
            if bool(self.agno_agent_id) == bool(self.agno_team_id):
                raise ValueError("an AGNO endpoint needs exactly one of agno_agent_id or agno_team_id")
        elif framework == Framework.ADK:
            if not self.adk_app_name:
                raise ValueError("an ADK endpoint needs adk_app_name")
        elif framework == Framework.LANGGRAPH:
            if not self.langgraph_assistant_id:
                raise ValueError("a LANGGRAPH endpoint needs langgraph_assistant_id")
        elif framework == Framework.CUSTOM and not self.custom_protocol:
            raise ValueError("a CUSTOM endpoint needs custom_protocol (openai or json)")

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Agent(BaseModel):
    """One registered agent (the AgentsTable agent item, see docs/data-model.md)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    owner_id: str
    name: str
    description: str = ""
    logo_url: str | None = None
    color: str = DEFAULT_COLOR
    skills: list[Skill] = Field(default_factory=list)
    framework: Framework
    endpoint: Endpoint
    status: AgentStatus = AgentStatus.DEVELOPMENT
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None = None
    version: int = 1
    trace_id: str | None = None
    a2a_card: dict[str, Any] | None = None
    card_url: str | None = None  # where the A2A card was fetched from, when it was
    source_key: str | None = None  # the A2A source row that makes registration idempotent

    @property
    def agent_id(self) -> str:
        return self.id

    def owner_view(self, public_url: str | None = None) -> dict[str, Any]:
        """Everything, for the owner (including the trace and the log-proxy base URL to paste)."""
        data = self._common()
        data.update(
            endpoint=self.endpoint.stored(),
            trace_id=self.trace_id,
            a2a_card=self.a2a_card,
            card_url=self.card_url,
        )
        if public_url and self.trace_id:
            data["log_proxy_base_url"] = f"{public_url.rstrip('/')}/api/log-proxy/{self.trace_id}/v1"
        return data

    def public_view(self) -> dict[str, Any]:
        """What every approved user sees of a published agent: no endpoint, no trace."""
        return self._common()

    def _common(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "owner_id": self.owner_id,
            "name": self.name,
            "description": self.description,
            "logo_url": self.logo_url,
            "color": self.color,
            "skills": [s.model_dump(exclude_none=True) for s in self.skills],
            "framework": self.framework.value,
            "status": self.status.value,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "last_used_at": iso(self.last_used_at) if self.last_used_at else None,
            "version": self.version,
        }


class AgentPage(BaseModel):
    agents: list[Agent]
    cursor: str | None = None  # opaque; None on the last page


# --------------------------------------------------------------------------------------------------------
# Request bodies
# --------------------------------------------------------------------------------------------------------


class _Presentation(BaseModel):
    """Fields shared by create and patch, with the checks issue 4 lists (colour, logo URL)."""

    model_config = ConfigDict(extra="forbid")

    logo_url: str | None = Field(None, max_length=MAX_URL, examples=["https://example.com/logo.png"])
    color: str | None = Field(None, examples=["#4F46E5"])

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str | None) -> str | None:
        return check_http_url(value, "logo_url")

    @field_validator("color")
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        return check_color(value)


class AgentCreate(_Presentation):
    """POST /api/my-agents."""

    name: PlainText = Field(min_length=1, max_length=MAX_NAME)
    description: Text = Field("", max_length=MAX_DESCRIPTION)
    skills: list[Skill] = Field(default_factory=list, max_length=MAX_SKILLS)
    framework: Framework
    endpoint: Endpoint
    # For A2A agents the UI may pass the card a scan returned; it is validated like a registered card.
    a2a_card: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _endpoint_fits_framework(self) -> AgentCreate:
        self.endpoint.check_for(self.framework)
        return self


class AgentPatch(_Presentation):
    """PATCH /api/my-agents/{id}: any subset of the fields, plus the version that was read (required)."""

    version: StrictInt = Field(ge=1, description="the agent's version as read; a stale version answers 409")
    name: PlainText | None = Field(None, min_length=1, max_length=MAX_NAME)
    description: Text | None = Field(None, max_length=MAX_DESCRIPTION)
    skills: list[Skill] | None = Field(None, max_length=MAX_SKILLS)
    framework: Framework | None = None
    endpoint: Endpoint | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent (explicit nulls included, e.g. to clear the logo)."""
        return {name: getattr(self, name) for name in self.model_fields_set if name != "version"}


class StatusChange(BaseModel):
    """Optional body of publish / withdraw: the version read (stale → 409)."""

    model_config = ConfigDict(extra="forbid")
    version: StrictInt | None = Field(None, ge=1)


class RegistrationExtras(_Presentation):
    """The platform extras beside an A2A card in POST /api/a2a/register."""

    model_config = ConfigDict(extra="ignore")

    framework: Framework | None = None
    # Only when framework is not A2A: how the platform should reach the agent natively.
    endpoint: Endpoint | None = None


class ScanRequest(BaseModel):
    """POST /api/my-agents/scan."""

    model_config = ConfigDict(extra="forbid")
    framework: Framework
    url: str = Field(max_length=MAX_URL)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        checked = check_http_url(value, "url")
        if checked is None:
            raise ValueError("url is required")
        return checked
