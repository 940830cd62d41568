"""Identity and access (docs/identity.md).

principal   who is calling, read from the authorizer's context (Principal, principal_from_event)
tokens      the platform's short-lived HS256 access tokens
sessions    rotating refresh tokens (one family per sign-in, reuse revokes the family)
oidc        the OpenID Connect relying party (PKCE, id_token checks); oidc_http its outbound calls
users       the user directory: first sign-in, approval, roles, the last-admin rule
api_keys    platform API keys, and `authenticate_api_key` / `require_api_key` for routes without the authorizer
rate_limit  `check_key_rate`, the per-key limit of the log-proxy
authorizer  the one Lambda authorizer's logic (HTTP API and WebSocket $connect)
service     sign-in flows and the platform session (AuthService)
ports       the storage Protocols; repository implements them on DynamoDB; wiring builds the real services
web         the sign-in cookies

Modules are imported on demand; importing this package loads nothing.
"""
