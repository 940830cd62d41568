"""How LLM API keys are kept at rest: the table holds a reference, never the key in clear.

Two stores behind one seam (`KeyCipher`), chosen by `A2G_LLM_KEY_STORE`:

- "encrypted" (the default, and always in the local runtime): the reference is the key Fernet-encrypted
  (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF from `A2G_LLM_KEY_SECRET`, or from `A2G_TOKEN_SECRET`
  when that is unset, so a copy of the table alone reveals no key.
- "ssm" (the template's default on AWS): the key is an SSM Parameter Store SecureString (KMS-encrypted, access
  granted per function by IAM) and the reference is `ssm:<parameter name>` (`a2g.llms.key_store.SsmKeyStore`).
  Fernet references written before the switch still decrypt, so switching loses no key.
"""

from __future__ import annotations

import base64
from typing import Protocol

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from a2g.settings import Settings

# References with this prefix name an SSM parameter; anything else is a Fernet token (which never has a colon).
SSM_REFERENCE_PREFIX = "ssm:"


class KeyCipher(Protocol):
    """Turns a key into the reference the table keeps, and back."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...

    def forget(self, ciphertext: str) -> None:
        """Drop what a reference points at, once no record uses it any more (best effort: never raises)."""
        ...


class KeyDecryptionFailed(Exception):
    """The stored key cannot be read: the secret changed, its parameter is gone, or the row is corrupt."""


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
        if ciphertext.startswith(SSM_REFERENCE_PREFIX):
            raise KeyDecryptionFailed("the LLM key is kept in SSM Parameter Store but A2G_LLM_KEY_STORE is not 'ssm'")
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise KeyDecryptionFailed("the LLM key cannot be decrypted with the current secret") from exc

    def forget(self, ciphertext: str) -> None:
        """Nothing to drop: the token lives only in the record, which goes with it."""


def mask_key(plaintext: str) -> str:
    """What admins see instead of a key: its first three and last four characters, e.g. `sk-…abcd`."""
    if len(plaintext) <= 8:
        return "…" + plaintext[-2:] if plaintext else ""
    return f"{plaintext[:3]}…{plaintext[-4:]}"
