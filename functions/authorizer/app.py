"""The one Lambda authorizer: HTTP API routes (simple responses) and WebSocket $connect (IAM policy).

The logic lives in a2g.identity.authorizer; this module only builds it once per process and dispatches.
"""

from __future__ import annotations

from typing import Any

from a2g.identity.authorizer import handle_authorizer_event
from a2g.identity.wiring import request_authorizer

authorizer = request_authorizer()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_authorizer_event(event, authorizer)
