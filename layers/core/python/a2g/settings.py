"""One typed settings object, read once at cold start from the environment and an optional `.env` file.

Required values have no default: a function that starts without one fails at once, naming the variable,
instead of failing later on the first request that needs it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _csv(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- where we run -------------------------------------------------------------------------------
    env: str = Field("local", validation_alias="A2G_ENV", description="local | aws")
    aws_region: str = Field(
        "us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    aws_endpoint_url: str | None = Field(None, validation_alias="AWS_ENDPOINT_URL")
    # boto3 reads AWS_ENDPOINT_URL_<SERVICE> itself; PynamoDB needs the DynamoDB one spelled out.
    dynamodb_endpoint_url: str | None = Field(
        None, validation_alias=AliasChoices("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
    )
    public_url: str = Field("http://127.0.0.1:3000", validation_alias="A2G_PUBLIC_URL")

    # --- storage (names come from template.yaml through the function environment) --------------------
    users_table: str = Field(validation_alias="A2G_USERS_TABLE")
    agents_table: str = Field(validation_alias="A2G_AGENTS_TABLE")
    chats_table: str = Field(validation_alias="A2G_CHATS_TABLE")
    traces_table: str = Field(validation_alias="A2G_TRACES_TABLE")
    connections_table: str = Field(validation_alias="A2G_CONNECTIONS_TABLE")
    platform_table: str = Field(validation_alias="A2G_PLATFORM_TABLE")
    usage_table: str = Field(validation_alias="A2G_USAGE_TABLE")
    files_bucket: str = Field(validation_alias="A2G_FILES_BUCKET")
    # The public S3 endpoint that browsers use for presigned URLs (the local runtime serves S3 itself).
    s3_public_endpoint_url: str | None = Field(None, validation_alias="A2G_S3_PUBLIC_ENDPOINT_URL")

    # --- WebSocket push -------------------------------------------------------------------------------
    # The @connections management endpoint; on AWS it is derived from the API id and stage when unset.
    ws_management_url: str | None = Field(None, validation_alias="A2G_WS_MANAGEMENT_URL")
    ws_connection_ttl_hours: int = Field(24, validation_alias="A2G_WS_CONNECTION_TTL_HOURS")
    # How many post_to_connection calls one process has in flight at once when a trace fans out to its
    # listeners (one pool and one HTTP connection pool shared by every fan-out; docs/tracing.md has figures).
    ws_push_concurrency: int = Field(16, ge=1, le=256, validation_alias="A2G_WS_PUSH_CONCURRENCY")

    # --- identity -------------------------------------------------------------------------------------
    token_secret: SecretStr = Field(validation_alias="A2G_TOKEN_SECRET")
    access_token_ttl_seconds: int = Field(900, validation_alias="A2G_ACCESS_TOKEN_TTL_SECONDS")
    refresh_token_ttl_days: int = Field(30, validation_alias="A2G_REFRESH_TOKEN_TTL_DAYS")
    # NoDecode: the value is comma-separated text ("alice,bob" or ""), not JSON; _split_csv parses it.
    initial_admin_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="INITIAL_ADMIN_IDS"
    )
    oidc_issuer: str | None = Field(None, validation_alias="A2G_OIDC_ISSUER")
    oidc_client_id: str | None = Field(None, validation_alias="A2G_OIDC_CLIENT_ID")
    oidc_client_secret: SecretStr | None = Field(None, validation_alias="A2G_OIDC_CLIENT_SECRET")
    oidc_redirect_url: str | None = Field(None, validation_alias="A2G_OIDC_REDIRECT_URL")
    oidc_scopes: str = Field("openid profile email", validation_alias="A2G_OIDC_SCOPES")
    oidc_username_claim: str = Field("preferred_username", validation_alias="A2G_OIDC_USERNAME_CLAIM")
    oidc_name_claim: str = Field("name", validation_alias="A2G_OIDC_NAME_CLAIM")
    oidc_team_claim: str = Field("team", validation_alias="A2G_OIDC_TEAM_CLAIM")
    # A fixed PEM certificate (or public key) to verify id_tokens with, in place of the provider's JWKS.
    oidc_cert_pem: str | None = Field(None, validation_alias="A2G_OIDC_CERT_PEM")
    # Dev sign-in (POST /api/auth/dev-login). Unset = on when no provider is configured and A2G_ENV is not
    # "aws"; a configured provider always switches it off (a2g.identity.wiring.dev_login_enabled).
    dev_login: bool | None = Field(None, validation_alias="A2G_DEV_LOGIN")
    # Per-API-key limit on the log-proxy path: requests per window (a2g.identity.rate_limit).
    api_key_rate_limit: int = Field(20, validation_alias="A2G_API_KEY_RATE_LIMIT")
    api_key_rate_window_seconds: int = Field(1, validation_alias="A2G_API_KEY_RATE_WINDOW_SECONDS")

    # --- outbound calls -------------------------------------------------------------------------------
    outbound_allow: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="A2G_OUTBOUND_ALLOW"
    )
    # host:port pairs the platform itself serves on (the local runtime sets its own port and its stores'):
    # never an outbound destination, whatever A2G_OUTBOUND_ALLOW says (a2g.adapters.outbound).
    platform_endpoints: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="A2G_PLATFORM_ENDPOINTS"
    )
    outbound_timeout_seconds: float = Field(10.0, validation_alias="A2G_OUTBOUND_TIMEOUT_SECONDS")
    outbound_max_bytes: int = Field(1_000_000, validation_alias="A2G_OUTBOUND_MAX_BYTES")

    # --- mail -----------------------------------------------------------------------------------------
    mail_api_endpoint: str | None = Field(None, validation_alias="INTERNAL_MAIL_API_ENDPOINT")
    # "Header-Name: value", sent with every mail request.
    mail_api_auth_header: SecretStr | None = Field(None, validation_alias="A2G_MAIL_API_AUTH_HEADER")

    # --- tracing --------------------------------------------------------------------------------------
    trace_ttl_days: int = Field(30, validation_alias="A2G_TRACE_TTL_DAYS")
    # Trace records the store would not take are spooled here and replayed (a2g.tracing.spool); the local
    # runtime sets `<data dir>/trace-spool`. Unset: a folder in the system's temp dir.
    trace_spool_dir: str | None = Field(None, validation_alias="A2G_TRACE_SPOOL_DIR")
    # On AWS: the SQS queue they go to instead (template.yaml `TraceReplayQueue`); the journal is then only
    # the fallback for when SQS cannot be reached either.
    trace_dead_letter_queue_url: str | None = Field(None, validation_alias="A2G_TRACE_DEAD_LETTER_QUEUE_URL")

    # --- playground (chat sessions, attachments, agent runs) -----------------------------------------
    files_max_bytes: int = Field(25 * 1024 * 1024, validation_alias="A2G_FILES_MAX_BYTES")
    # Comma-separated MIME types; "image/*" style wildcards allowed. A plain string, parsed by a2g.chat,
    # so the value can be written without JSON quoting.
    files_allowed_types: str = Field(
        "image/png,image/jpeg,image/gif,image/webp,video/mp4,video/webm,video/quicktime,application/pdf,"
        "text/plain,text/markdown,text/csv,application/json,application/msword,application/vnd.ms-excel,"
        "application/vnd.ms-powerpoint,"
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        validation_alias="A2G_FILES_ALLOWED_TYPES",
    )
    files_upload_url_ttl_seconds: int = Field(600, validation_alias="A2G_FILES_UPLOAD_URL_TTL_SECONDS")
    files_download_url_ttl_seconds: int = Field(300, validation_alias="A2G_FILES_DOWNLOAD_URL_TTL_SECONDS")
    # An agent that sends nothing for this long is "slow"; a whole run may not exceed the second
    # (kept under the invoke function's 900 s Lambda timeout so the error is still saved and pushed).
    agent_idle_timeout_seconds: float = Field(180.0, validation_alias="A2G_AGENT_IDLE_TIMEOUT_SECONDS")
    agent_run_timeout_seconds: float = Field(840.0, validation_alias="A2G_AGENT_RUN_TIMEOUT_SECONDS")
    # The log-proxy refuses request bodies above this (413); Lambda's own request limit is 6 MB.
    log_proxy_max_body_bytes: int = Field(5_000_000, validation_alias="A2G_LOG_PROXY_MAX_BODY_BYTES")
    # The OTLP intake (functions/otel_intake) refuses export bodies above this, compressed or once un-gzipped
    # (413): an exporter's batch of spans is its own kind of body, so it has its own cap.
    otel_max_body_bytes: int = Field(5_000_000, ge=1024, le=64_000_000, validation_alias="A2G_OTEL_MAX_BODY_BYTES")
    # How long a warm log-proxy trusts its cached API keys, models and trace owners (revocation delay).
    log_proxy_cache_seconds: float = Field(30.0, validation_alias="A2G_LOG_PROXY_CACHE_SECONDS")
    # "deferred": the per-key rate count runs beside the call (no storage write on its path; a key may
    # overshoot by the calls in flight); "strict": the count finishes before the call is forwarded.
    log_proxy_rate_limit_mode: str = Field("deferred", validation_alias="A2G_LOG_PROXY_RATE_LIMIT_MODE")
    # Encrypts LLM API keys at rest; when unset a key is derived from A2G_TOKEN_SECRET (HKDF).
    llm_key_secret: SecretStr | None = Field(None, validation_alias="A2G_LLM_KEY_SECRET")
    # Where LLM keys live: "encrypted" (Fernet, in the table) or "ssm" (SecureString parameters under the
    # prefix; the table keeps their names). Fernet keys stored earlier still work after a switch to "ssm".
    llm_key_store: Literal["encrypted", "ssm"] = Field("encrypted", validation_alias="A2G_LLM_KEY_STORE")
    llm_key_ssm_prefix: str = Field("/a2g/llm-keys/", validation_alias="A2G_LLM_KEY_SSM_PREFIX")

    # --- operations -----------------------------------------------------------------------------------
    health_check_failure_threshold: int = Field(3, validation_alias="A2G_HEALTH_FAILURE_THRESHOLD")
    lifecycle_unused_days: int = Field(30, validation_alias="A2G_LIFECYCLE_UNUSED_DAYS")
    lifecycle_unmodified_days: int = Field(30, validation_alias="A2G_LIFECYCLE_UNMODIFIED_DAYS")
    lifecycle_warning_days: int = Field(7, validation_alias="A2G_LIFECYCLE_WARNING_DAYS")
    lifecycle_dry_run: bool = Field(False, validation_alias="A2G_LIFECYCLE_DRY_RUN")
    # Owners without an `email` attribute are mailed at <user_id>@<this domain> (docs/operations.md).
    mail_default_domain: str | None = Field(None, validation_alias="A2G_MAIL_DEFAULT_DOMAIN")
    # Consecutive good checks that put an agent the checks disabled back into PRODUCTION.
    health_recovery_threshold: int = Field(1, ge=1, validation_alias="A2G_HEALTH_RECOVERY_THRESHOLD")
    # A check of the same agent or LLM sooner than this after the last is skipped (a schedule firing twice).
    health_check_min_spacing_seconds: int = Field(120, validation_alias="A2G_HEALTH_CHECK_MIN_SPACING_SECONDS")
    health_check_timeout_seconds: float = Field(5.0, validation_alias="A2G_HEALTH_CHECK_TIMEOUT_SECONDS")
    # Agents one health-check run / one lifecycle run reads at most; the next run resumes from a cursor.
    health_check_batch_size: int = Field(200, ge=1, validation_alias="A2G_HEALTH_CHECK_BATCH_SIZE")
    health_history_days: int = Field(7, validation_alias="A2G_HEALTH_HISTORY_DAYS")
    lifecycle_batch_size: int = Field(500, ge=1, validation_alias="A2G_LIFECYCLE_BATCH_SIZE")
    # The longest range /api/admin/stats/* accepts, in days.
    stats_max_days: int = Field(366, ge=1, validation_alias="A2G_STATS_MAX_DAYS")

    # --- ranking (docs/ranking.md) --------------------------------------------------------------------
    # A model registered in the LLM registry (admin pages) that embeds requests and agents for
    # GET /api/agents/ranked through its OpenAI-compatible /embeddings; unset = the in-process model.
    ranking_embedding_model: str | None = Field(None, validation_alias="A2G_RANKING_EMBEDDING_MODEL")
    # How long a warm ranking function reuses the catalogue, popularity and the model's endpoint.
    ranking_cache_seconds: float = Field(30.0, ge=0, validation_alias="A2G_RANKING_CACHE_SECONDS")

    @field_validator("initial_admin_ids", "outbound_allow", "platform_endpoints", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> list[str]:
        return _csv(value)

    @field_validator("llm_key_ssm_prefix")
    @classmethod
    def _parameter_path(cls, value: str) -> str:
        # A hierarchy path: the IAM grant is "<prefix>*", and names are "<prefix><id>".
        if not (value.startswith("/") and value.endswith("/")):
            raise ValueError("A2G_LLM_KEY_SSM_PREFIX must start and end with '/'")
        return value

    @field_validator("token_secret")
    @classmethod
    def _refuse_weak_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("A2G_TOKEN_SECRET must be at least 32 characters")
        return value

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; the first call validates them (cold start)."""
    return Settings()  # type: ignore[call-arg]
