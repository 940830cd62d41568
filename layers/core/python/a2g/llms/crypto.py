"""Encryption of LLM API keys at rest.

Locally and by default the key is Fernet-encrypted (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from
`A2G_LLM_KEY_SECRET`, or from `A2G_TOKEN_SECRET` when that is unset, so a copy of the table alone reveals no
key. On AWS the stronger path is to keep the key in SSM Parameter Store (SecureString, KMS) or Secrets Manager
and store only its name in the table: `KeyCipher` is the seam for that (an `SsmKeyStore` would implement
`encrypt` as put-parameter returning the parameter name and `decrypt` as a cached get-parameter).
"""

from __future__ import annotations

import base64
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from a2g.settings import Settings


class KeyCipher(Protocol):
    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


class KeyDecryptionFailed(Exception):
    """The stored key cannot be read with the current secret (the secret changed, or the row is corrupt)."""


class FernetKeyCipher:
    # A fixed context string: the same secret used elsewhere (token signing) yields an unrelated key here.
    _INFO = b"a2g/llm-api-key-encryption/v1"

    def __init__(self, secret: str):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=self._INFO).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: Settings) -> FernetKeyCipher:
        secret = settings.llm_key_secret or settings.token_secret
        return cls(secret.get_secret_value())

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise KeyDecryptionFailed("the LLM key cannot be decrypted with the current secret") from exc


def mask_key(plaintext: str) -> str:
    """What admins see instead of a key: its first three and last four characters, e.g. `sk-…abcd`."""
    if len(plaintext) <= 8:
        return "…" + plaintext[-2:] if plaintext else ""
    return f"{plaintext[:3]}…{plaintext[-4:]}"
