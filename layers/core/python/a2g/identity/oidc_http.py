"""The relying party's outbound calls to the identity provider (discovery, JWKS, token endpoint), over httpx.

The provider is configured by the operator, not by users, so these calls do not go through the guarded
client that protects user-supplied URLs; they do get short timeouts, no redirects and a size cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from a2g.errors import Unauthenticated, UpstreamFailed, UpstreamTimeout
from a2g.log import logger

MAX_RESPONSE_BYTES = 512 * 1024


class HttpxOidcHttp:
    def __init__(self, timeout_seconds: float = 5.0, client: httpx.Client | None = None):
        self._client = client or httpx.Client(timeout=timeout_seconds, follow_redirects=False)

    def get_json(self, url: str) -> dict[str, Any]:
        return self._json(self._send("GET", url))

    def post_form(
        self, url: str, data: Mapping[str, str], basic_auth: tuple[str, str] | None
    ) -> dict[str, Any]:
        response = self._send("POST", url, data=dict(data), auth=basic_auth, accept_client_error=True)
        if 400 <= response.status_code < 500:
            # The provider refused the code (expired, replayed, wrong verifier): a failed sign-in, not an outage.
            error = self._json(response, strict=False).get("error", "invalid_grant")
            logger.info("token endpoint refused the code", extra={"status": response.status_code, "error": error})
            raise Unauthenticated("sign-in failed: the identity provider refused the code", code="sso_failed")
        return self._json(response)

    def _send(self, method: str, url: str, accept_client_error: bool = False, **kw: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, headers={"Accept": "application/json"}, **kw)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout("the identity provider did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise UpstreamFailed("the identity provider cannot be reached") from exc
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise UpstreamFailed("the identity provider's answer is too large")
        if response.status_code >= 500 or (response.status_code >= 400 and not accept_client_error):
            raise UpstreamFailed(f"the identity provider answered {response.status_code}")
        if 300 <= response.status_code < 400:
            raise UpstreamFailed("the identity provider answered with a redirect")
        return response

    @staticmethod
    def _json(response: httpx.Response, strict: bool = True) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            if not strict:
                return {}
            raise UpstreamFailed("the identity provider's answer is not JSON") from exc
        if not isinstance(body, dict):
            if not strict:
                return {}
            raise UpstreamFailed("the identity provider's answer is not a JSON object")
        return body
