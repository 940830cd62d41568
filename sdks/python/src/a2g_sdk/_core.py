"""What the sync and the async client share: settings, the requests each method makes, reading answers,
and the chat-run protocol. No I/O here; `Client` and `AsyncClient` only send what this builds."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from a2g_sdk.errors import (
    A2GError,
    ConfigurationError,
    InvalidRequest,
    PayloadTooLarge,
    RunFailed,
    ServerError,
    UnexpectedResponse,
    error_for_code,
    error_for_status,
)
from a2g_sdk.models import ChatMessage, RunEvent, StopAck, TracePush

API_KEY_ENV = "A2G_API_KEY"
TOKEN_ENV = "A2G_TOKEN"
PLATFORM_URL_ENV = "A2G_PLATFORM_URL"
WS_URL_ENV = "A2G_WS_URL"
REGISTER_PATH = "/api/a2a/register"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RUN_TIMEOUT = 900.0  # the platform stops a run after 840 s
_URL = re.compile(r"^(https?)://[^/?#\s@]+", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    """Where the platform is and how to authenticate: an API key (`a2g_sk_...`) or a signed-in user's
    access token. Every route the SDK calls accepts either (the platform's one authorizer takes both)."""

    base_url: str
    credential: str
    ws_url: str

    @classmethod
    def resolve(cls, platform_url: str | None, api_key: str | None, token: str | None,
                ws_url: str | None) -> Settings:
        if api_key and token:
            raise ConfigurationError("pass an API key or a token, not both", code="two_credentials")
        credential = api_key or token or os.environ.get(API_KEY_ENV) or os.environ.get(TOKEN_ENV)
        if not credential:
            raise ConfigurationError(
                f"no API key: pass api_key= (or token=) or set {API_KEY_ENV} "
                "(create a key in the platform under Settings → API keys)", code="no_credential")
        base = check_platform_url(platform_url or os.environ.get(PLATFORM_URL_ENV) or "")
        return cls(base_url=base, credential=credential.strip(),
                   ws_url=check_ws_url(ws_url or os.environ.get(WS_URL_ENV) or default_ws_url(base)))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}", "Accept": "application/json"}


def check_platform_url(value: str) -> str:
    text = value.strip().rstrip("/")
    if not text:
        raise ConfigurationError(f"no platform URL: pass platform_url= or set {PLATFORM_URL_ENV} "
                                 "(e.g. http://127.0.0.1:3000)", code="no_platform_url")
    if not _URL.match(text):
        raise ConfigurationError(f"the platform URL {value!r} is not an http:// or https:// URL "
                                 "(e.g. http://127.0.0.1:3000)", code="bad_platform_url")
    return text


def check_ws_url(value: str) -> str:
    text = value.strip()
    if not re.match(r"^wss?://[^/?#\s@]+", text, re.IGNORECASE):
        raise ConfigurationError(f"the WebSocket URL {value!r} is not a ws:// or wss:// URL", code="bad_ws_url")
    return text


def default_ws_url(base_url: str) -> str:
    """The platform serves its WebSocket at `/ws` of the same origin (locally and behind CloudFront)."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme.lower() == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws"


# --- requests ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    method: Literal["GET", "POST", "PATCH", "DELETE"]
    path: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    json: Any = None
    what: str = "the call"  # for sentences: "registering the agent failed: ..."


def seg(value: str) -> str:
    """One path segment; an id with a slash in it cannot reach another route."""
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def registration_body(
    card: Mapping[str, Any] | None = None,
    card_url: str | None = None,
    *,
    logo_url: str | None = None,
    color: str | None = None,
    framework: str | None = None,
    endpoint: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of a registration: `{"card": ...}` or `{"card_url": ...}` plus the platform extras."""
    if (card is None) == (card_url is None):
        raise ValueError("pass exactly one of card or card_url")
    body: dict[str, Any] = {"card": dict(card)} if card is not None else {"card_url": card_url}
    body.update(_drop_none({"logo_url": logo_url, "color": color, "framework": framework,
                            "endpoint": dict(endpoint) if endpoint is not None else None}))
    return body


def as_card(card: Any) -> dict[str, Any] | None:
    if card is None or isinstance(card, dict):
        return card
    from a2g_sdk.cards import card_from_a2a

    return card_from_a2a(card)


def page_params(limit: int | None, cursor: str | None, **more: str | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {k: v for k, v in more.items() if v is not None}
    if limit is not None:
        params["limit"] = limit
    if cursor is not None:
        params["cursor"] = cursor
    return params


# --- answers -----------------------------------------------------------------------------------------------

def read_answer(status: int, text: str, base_url: str, what: str) -> Any:
    """The JSON of a 2xx answer (None for 204), or the typed error of any other."""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
        if 200 <= status < 300:
            raise UnexpectedResponse(f"{what}: {base_url} answered with something other than JSON; "
                                     "is this the A2G platform's URL?", status=status) from None
    if 200 <= status < 300:
        return body
    raise error_for_status(status, body, text, base_url)


def expect_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UnexpectedResponse(f"{what}: the platform answered with something other than a JSON object")
    return body


# --- file uploads ------------------------------------------------------------------------------------------

def upload_form(ticket: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """(URL, form fields) of the presigned POST `POST /api/files` answered: the bytes go straight to storage,
    never through the API, with every field and then `file` last (as S3 requires)."""
    upload = ticket.get("upload")
    if not isinstance(upload, dict) or not isinstance(upload.get("url"), str) \
            or not isinstance(upload.get("fields"), dict) or not isinstance(ticket.get("file"), dict):
        raise UnexpectedResponse("announcing the file: the platform's answer has no upload form")
    return upload["url"], {str(k): str(v) for k, v in upload["fields"].items()}


def check_upload(status: int, text: str, file_name: str) -> None:
    """Storage's answer to the presigned POST: 2xx, or why it refused (its XML `<Code>`)."""
    if 200 <= status < 300:
        return
    found = re.search(r"<Code>([^<]+)</Code>", text)
    code = found.group(1) if found else f"http_{status}"
    if code == "EntityTooLarge":
        raise PayloadTooLarge(f"storage refused {file_name!r}: it is larger than announced or than the "
                              "platform allows", status=status, code="upload_too_large")
    raise InvalidRequest(f"storage refused the upload of {file_name!r} ({code}): the upload form may have "
                         "expired, or the bytes differ from what was announced", status=status, code="upload_refused")


def checked_download(status: int, content: bytes, file_id: str) -> bytes:
    if 200 <= status < 300:
        return content
    raise UnexpectedResponse(f"storage answered HTTP {status} for the file {file_id}: its download link may have "
                             "expired; read it again", status=status)


def file_bytes(data: bytes | str | os.PathLike[str], file_name: str | None) -> tuple[bytes, str]:
    """(the bytes, the file name) of `upload_file`'s argument: bytes need a `file_name`, a path gives one."""
    if isinstance(data, bytes):
        if not file_name:
            raise ValueError("pass file_name= with bytes")
        return data, file_name
    path = os.fspath(data)
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the file {path!r}: {exc.strerror or exc}", code="unreadable_file") from exc
    return content, file_name or os.path.basename(path)


def guess_type(file_name: str, content_type: str | None) -> str:
    import mimetypes

    return content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"


# --- chat runs over the WebSocket ---------------------------------------------------------------------------

def ws_connect_url(settings: Settings) -> str:
    # Browsers cannot set headers on a WebSocket, so the platform reads the credential from `?token=`
    # (an API key is accepted there like an access token).
    separator = "&" if "?" in settings.ws_url else "?"
    return settings.ws_url + separator + urlencode({"token": settings.credential})


def invoke_frame(session_id: str, message: str, attachments: Sequence[str] | None,
                 request_id: str | None, replaces: str | None = None) -> tuple[str, str]:
    """(the JSON text to send, the request id every push of this run echoes).

    `replaces`: the id of the session's last user message, which this one replaces with its answer (the web
    app's Edit and resend, Regenerate and Retry); any other id is refused as `Conflict` `not_last_message`."""
    rid = request_id or "sdk-" + secrets.token_hex(8)
    frame: dict[str, Any] = {"action": "invoke", "session_id": session_id, "message": message,
                             "attachments": list(attachments or []), "request_id": rid}
    if replaces is not None:
        frame["replaces"] = replaces
    return json.dumps(frame), rid


def cancel_frame(session_id: str, request_id: str | None) -> str:
    """Stop: the run with this request id (without one, whichever run of the session started before it)."""
    frame = {"action": "cancel", "session_id": session_id}
    if request_id is not None:
        frame["request_id"] = request_id
    return json.dumps(frame)


def subscribe_frame(trace_id: str) -> str:
    if not isinstance(trace_id, str) or not trace_id:
        raise ValueError("trace_id must be a non-empty string")
    return json.dumps({"action": "subscribe", "trace_id": trace_id})


def _gateway_word(push: Mapping[str, Any], action: str) -> None:
    """API Gateway's own answer to a message (it carries `connectionId`), as the typed error it means."""
    gateway = push.get("message")
    if gateway == "Forbidden":
        raise UnexpectedResponse(f"the WebSocket has no `{action}` route: is this the A2G platform's "
                                 "WebSocket URL?", code=f"no_{action}_route")
    if gateway == "Internal server error":
        raise ServerError(f"the platform failed while handling `{action}`", code="internal_error")
    # e.g. "Endpoint request timed out" after 29 s: the run goes on and keeps pushing.


def _refusal(push: Mapping[str, Any], fallback: str) -> A2GError:
    error: Mapping[str, Any] = push["error"] if isinstance(push.get("error"), dict) else {}
    return error_for_code(str(error.get("code") or "error"), str(error.get("message") or fallback))


def _platform_push(raw: str | bytes, action: str) -> dict[str, Any] | None:
    """A push of the platform's as a dict; None for anything else (API Gateway's own word raises if it is
    a failure of our `action`)."""
    try:
        push = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(push, dict):
        return None
    if "connectionId" in push:
        _gateway_word(push, action)
        return None
    return push


def read_cancel_reply(raw: str | bytes) -> StopAck | None:
    """The answer to a `cancel`: `stopping` (returned), its refusal (raised), or None for anything else."""
    push = _platform_push(raw, "cancel")
    if push is None:
        return None
    if push.get("type") == "stopping":
        return push  # type: ignore[return-value]
    if push.get("type") == "error" and push.get("action") == "cancel":
        raise _refusal(push, "the Stop was refused")
    return None


TRACE_PUSHES = ("trace.entry", "trace.running", "trace.entry_removed", "trace.cleared")


def read_trace_push(raw: str | bytes, trace_id: str) -> TracePush | Literal["subscribed"] | None:
    """A live push of this trace, "subscribed" once the feed started, a refusal (raised), or None."""
    push = _platform_push(raw, "subscribe")
    if push is None:
        return None
    kind = push.get("type")
    if kind == "error" and push.get("action") == "subscribe":
        raise _refusal(push, "the subscription was refused")
    if push.get("trace_id") != trace_id:
        return None
    if kind == "subscribed":
        return "subscribed"
    return push if kind in TRACE_PUSHES else None  # type: ignore[return-value]


def read_push(raw: str | bytes, request_id: str) -> RunEvent | None:
    """A push of this run as a RunEvent, or None for anything else on the connection (other runs, traces).

    A refusal before the run started (no such session, empty message, ...) carries no saved message: it
    raises the typed error instead of being returned.
    """
    try:
        push = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(push, dict) or push.get("request_id") != request_id:
        if isinstance(push, dict) and "connectionId" in push:  # API Gateway's own word about our message
            _gateway_word(push, "invoke")
        return None
    if push.get("type") == "error" and push.get("message") is None:
        raise _refusal(push, "the run was refused")  # e.g. Conflict not_last_message: a stale `replaces`
    return push  # type: ignore[return-value]


def is_last(event: RunEvent) -> bool:
    return event.get("type") in ("message", "error")


def final_message(event: RunEvent) -> ChatMessage:
    """The saved assistant message of the run's last event; RunFailed when the agent failed."""
    message = event.get("message")
    if event.get("type") == "error":
        error = event.get("error") or {"code": "agent_error", "message": "the run failed"}
        raise RunFailed(f"the agent's run failed: {error.get('message')}", code=error.get("code"),
                        run_message=dict(message) if message else None)
    if not message:
        raise UnexpectedResponse("the run ended without the agent's message")
    return message
