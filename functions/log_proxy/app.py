"""The log-proxy: `<platform>/api/log-proxy/<trace_id>/v1` as an agent's OpenAI base URL.

Checks the platform API key, the trace's owner and the model, forwards to the registered LLM, streams the
answer back unchanged and has each call recorded and pushed live (a2g.tracing.proxy). `app` is served as a
streaming ASGI app (Function URL + Lambda Web Adapter on AWS; natively by the local runtime); errors are in
OpenAI's format because OpenAI clients read them.
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.composition import build_log_proxy
from a2g.tracing.proxy_app import create_log_proxy_app

proxy = build_log_proxy()
app = create_log_proxy_app(proxy)
_buffered: Any = None


def handler(event: dict[str, Any], context: Any) -> Any:
    """Plain Lambda entry (API Gateway through Mangum, response buffered). Recording finishes before the
    handler returns, since Lambda freezes the process afterwards. The streaming path is the Web Adapter."""
    from a2g.http.app import lambda_handler_for

    global _buffered
    if _buffered is None:
        proxy.record_mode = "before_end"
        _buffered = lambda_handler_for(app)
    return _buffered(event, context)
