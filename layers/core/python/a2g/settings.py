"""One typed settings object, read once at cold start from the environment and an optional `.env` file.

Required values have no default: a function that starts without one fails at once, naming the variable,
instead of failing later on the first request that needs it.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    # --- identity -------------------------------------------------------------------------------------
    token_secret: SecretStr = Field(validation_alias="A2G_TOKEN_SECRET")
    access_token_ttl_seconds: int = Field(900, validation_alias="A2G_ACCESS_TOKEN_TTL_SECONDS")
    refresh_token_ttl_days: int = Field(30, validation_alias="A2G_REFRESH_TOKEN_TTL_DAYS")
    initial_admin_ids: list[str] = Field(default_factory=list, validation_alias="INITIAL_ADMIN_IDS")
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

    # --- outbound calls -------------------------------------------------------------------------------
    outbound_allow: list[str] = Field(default_factory=list, validation_alias="A2G_OUTBOUND_ALLOW")
    outbound_timeout_seconds: float = Field(10.0, validation_alias="A2G_OUTBOUND_TIMEOUT_SECONDS")
    outbound_max_bytes: int = Field(1_000_000, validation_alias="A2G_OUTBOUND_MAX_BYTES")

    # --- mail -----------------------------------------------------------------------------------------
    mail_api_endpoint: str | None = Field(None, validation_alias="INTERNAL_MAIL_API_ENDPOINT")
    # "Header-Name: value", sent with every mail request.
    mail_api_auth_header: SecretStr | None = Field(None, validation_alias="A2G_MAIL_API_AUTH_HEADER")

    # --- tracing --------------------------------------------------------------------------------------
    trace_ttl_days: int = Field(30, validation_alias="A2G_TRACE_TTL_DAYS")

    # --- operations -----------------------------------------------------------------------------------
    health_check_failure_threshold: int = Field(3, validation_alias="A2G_HEALTH_FAILURE_THRESHOLD")
    lifecycle_unused_days: int = Field(30, validation_alias="A2G_LIFECYCLE_UNUSED_DAYS")
    lifecycle_unmodified_days: int = Field(30, validation_alias="A2G_LIFECYCLE_UNMODIFIED_DAYS")
    lifecycle_warning_days: int = Field(7, validation_alias="A2G_LIFECYCLE_WARNING_DAYS")
    lifecycle_dry_run: bool = Field(False, validation_alias="A2G_LIFECYCLE_DRY_RUN")

    @field_validator("initial_admin_ids", "outbound_allow", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> list[str]:
        return _csv(value)

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
