"""a2g-sdk: the A2G Agent Platform from an agent developer's code — register and update agents, publish
them, start chat sessions (with files), read and watch their traces, stream, stop and redo chat runs. Sync (`Client`) and async (`AsyncClient`).

    from a2g_sdk import Client
    with Client("http://127.0.0.1:3000", api_key="a2g_sk_...") as a2g:
        agent = a2g.register(card_url="http://my-agent:8000")
"""

from a2g_sdk._core import registration_body
from a2g_sdk.aio import AsyncClient
from a2g_sdk.cards import card_from_a2a, card_from_adk, card_from_langgraph
from a2g_sdk.client import Client, register
from a2g_sdk.errors import (
    CREDENTIAL_REFUSALS,
    A2GError,
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    RunFailed,
    RunTimedOut,
    ServerError,
    UnexpectedResponse,
    UpstreamError,
)
from a2g_sdk.models import (
    Agent,
    AgentPage,
    ApiKey,
    ChatMessage,
    FileDownload,
    FileInfo,
    Me,
    MessagePage,
    NewApiKey,
    RegisteredAgent,
    RunEvent,
    Session,
    SessionPage,
    StopAck,
    TraceEntry,
    TracePage,
    TracePush,
)

__version__ = "0.2.0"

__all__ = [
    "CREDENTIAL_REFUSALS", "A2GError", "Agent", "AgentPage", "ApiKey", "AsyncClient", "AuthenticationFailed",
    "ChatMessage", "Client", "ConfigurationError", "Conflict", "ConnectionFailed", "FileDownload", "FileInfo",
    "InvalidRequest", "Me", "MessagePage", "NewApiKey", "NotFound", "PayloadTooLarge", "PermissionDenied",
    "RateLimited", "RegisteredAgent", "RunEvent", "RunFailed", "RunTimedOut", "ServerError", "Session",
    "SessionPage", "StopAck", "TraceEntry", "TracePage", "TracePush", "UnexpectedResponse",
    "UpstreamError", "__version__", "card_from_a2a", "card_from_adk", "card_from_langgraph", "register",
    "registration_body",
]
