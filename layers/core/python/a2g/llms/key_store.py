"""LLM API keys kept in SSM Parameter Store as SecureStrings; the Platform table holds only `ssm:<name>`.

Each key gets a parameter of its own under a fixed prefix, with a fresh name and never overwritten, so a
reference always means one value: a warm function may keep what it read for its whole life, and replacing a
key is "put the new parameter, save the record, delete the old parameter" with no moment in which a saved
record points at nothing. Fernet references written before the switch to SSM still decrypt (`fallback`).

This class makes its own boto3 calls (it is the AWS side of the `KeyCipher` seam, like an adapter); the
registry above it only ever handles references. Key values never reach a log or an error message: SSM's own
error text is replaced by its error code.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from a2g.errors import PlatformError, ServiceUnavailable, ValidationFailed
from a2g.ids import new_id
from a2g.llms.crypto import SSM_REFERENCE_PREFIX, FernetKeyCipher, KeyCipher, KeyDecryptionFailed
from a2g.log import logger
from a2g.settings import Settings

_BUSY_CODES = frozenset({"ThrottlingException", "TooManyUpdates", "RequestLimitExceeded"})


def is_ssm_reference(ciphertext: str) -> bool:
    return ciphertext.startswith(SSM_REFERENCE_PREFIX)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


class SsmKeyStore:
    """`KeyCipher` on SSM Parameter Store: encrypt = put a SecureString, decrypt = get it with decryption."""

    def __init__(self, ssm: Any, prefix: str, fallback: KeyCipher):
        if not (prefix.startswith("/") and prefix.endswith("/")):
            raise ValueError("the SSM parameter prefix must start and end with '/'")
        self._ssm, self._prefix, self._fallback = ssm, prefix, fallback
        # Parameter name -> key. Names are never reused for another value, so an entry never goes stale.
        self._read: dict[str, str] = {}

    @property
    def prefix(self) -> str:
        """The parameter path every key of this store is under (what IAM grants on)."""
        return self._prefix

    @classmethod
    def from_settings(cls, settings: Settings, ssm: Any = None) -> SsmKeyStore:
        from a2g.adapters.aws import client

        return cls(ssm if ssm is not None else client("ssm"), settings.llm_key_ssm_prefix,
                   FernetKeyCipher.from_settings(settings))

    def encrypt(self, plaintext: str) -> str:
        name = self._prefix + new_id("llmkey")
        try:
            self._ssm.put_parameter(Name=name, Value=plaintext, Type="SecureString", Overwrite=False,
                                    Description="An LLM API key of the A2G LLM registry")
        except ClientError as exc:
            code = _code(exc)
            logger.error("an LLM key could not be stored in SSM", extra={"parameter": name, "error_code": code})
            if code in _BUSY_CODES:
                raise ServiceUnavailable("the key store is busy, retry shortly") from None
            if code == "ValidationException":
                raise ValidationFailed("api_key: the key store refused the key (too long?)",
                                       code="invalid_api_key") from None
            raise PlatformError("the LLM key could not be stored", code="key_store_failed") from None
        return SSM_REFERENCE_PREFIX + name

    def decrypt(self, ciphertext: str) -> str:
        if not is_ssm_reference(ciphertext):
            return self._fallback.decrypt(ciphertext)
        name = ciphertext[len(SSM_REFERENCE_PREFIX):]
        known = self._read.get(name)
        if known is not None:
            return known
        try:
            value = str(self._ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
        except ClientError as exc:
            code = _code(exc)
            if code == "ParameterNotFound":
                raise KeyDecryptionFailed(f"the LLM key's parameter {name} no longer exists") from None
            logger.error("an LLM key could not be read from SSM", extra={"parameter": name, "error_code": code})
            if code in _BUSY_CODES:
                raise ServiceUnavailable("the key store is busy, retry shortly") from None
            raise
        self._read[name] = value
        return value

    def forget(self, ciphertext: str) -> None:
        """Delete the key's parameter. Best effort: the record no longer points at it, so a failure only leaves
        an unused parameter behind (logged with its name, to delete by hand)."""
        if not is_ssm_reference(ciphertext):
            self._fallback.forget(ciphertext)
            return
        name = ciphertext[len(SSM_REFERENCE_PREFIX):]
        self._read.pop(name, None)
        try:
            self._ssm.delete_parameter(Name=name)
        except ClientError as exc:
            if _code(exc) != "ParameterNotFound":  # already gone is what we wanted
                logger.warning("an unused LLM key parameter could not be deleted",
                               extra={"parameter": name, "error_code": _code(exc)})
        except BotoCoreError as exc:
            logger.warning("an unused LLM key parameter could not be deleted",
                           extra={"parameter": name, "error": type(exc).__name__})


def key_cipher_from_settings(settings: Settings) -> KeyCipher:
    """The key store `A2G_LLM_KEY_STORE` names: "ssm" (Parameter Store) or "encrypted" (Fernet in the table)."""
    if settings.llm_key_store == "ssm":
        return SsmKeyStore.from_settings(settings)
    return FernetKeyCipher.from_settings(settings)
