"""SsmKeyStore against moto's Parameter Store: what is stored where, reading old Fernet keys, forgetting."""

from __future__ import annotations

from typing import Any

import pytest
from a2g.errors import PlatformError, ServiceUnavailable, ValidationFailed
from a2g.llms.crypto import FernetKeyCipher, KeyDecryptionFailed
from a2g.llms.key_store import SsmKeyStore

from tests.unit.llms.llm_fakes import PREFIX, FailingSsm, parameter_names

KEY = "sk-live-abcdefghijklmnop1234"


def _store(ssm: Any, secret: str = "fernet-secret-" * 3) -> SsmKeyStore:
    return SsmKeyStore(ssm, PREFIX, FernetKeyCipher(secret))


def test_a_key_becomes_a_secure_string_under_the_prefix_and_the_table_keeps_only_its_name(ssm: Any) -> None:
    ref = _store(ssm).encrypt(KEY)
    assert ref.startswith("ssm:" + PREFIX) and KEY not in ref
    name = ref.removeprefix("ssm:")
    stored = ssm.get_parameter(Name=name)["Parameter"]  # without decryption
    assert stored["Type"] == "SecureString" and stored["Value"] != KEY
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == KEY
    # Another process (no cache) reads it back from Parameter Store.
    assert _store(ssm).decrypt(ref) == KEY


def test_every_key_gets_a_new_parameter_never_an_overwrite(ssm: Any) -> None:
    store = _store(ssm)
    first, second = store.encrypt(KEY), store.encrypt(KEY)
    assert first != second
    assert parameter_names(ssm) == {first.removeprefix("ssm:"), second.removeprefix("ssm:")}


def test_fernet_keys_stored_before_the_switch_still_decrypt_and_touch_no_parameter(ssm: Any) -> None:
    secret = "the-secret-the-table-was-written-with"
    old = FernetKeyCipher(secret).encrypt("sk-from-before")
    store = _store(ssm, secret)
    assert store.decrypt(old) == "sk-from-before"
    store.forget(old)
    assert parameter_names(ssm) == set()
    with pytest.raises(KeyDecryptionFailed):
        _store(ssm, "another-secret-another-secret-0123").decrypt(old)


def test_forget_deletes_the_parameter_and_the_reference_no_longer_reads(ssm: Any) -> None:
    store = _store(ssm)
    ref, other = store.encrypt(KEY), store.encrypt("sk-other-key-9999")
    assert store.decrypt(ref) == KEY  # now cached in this process
    store.forget(ref)
    assert parameter_names(ssm) == {other.removeprefix("ssm:")}
    with pytest.raises(KeyDecryptionFailed, match="no longer exists"):
        store.decrypt(ref)
    store.forget(ref)  # already gone: nothing to do, nothing raised


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record with its extra fields, as text."""
    return " ".join(str(vars(record)) for record in caplog.records)


def test_forget_is_best_effort_and_logs_the_parameter_it_left(ssm: Any, caplog: pytest.LogCaptureFixture) -> None:
    ref = _store(ssm).encrypt(KEY)
    denied = FailingSsm(ssm, {"delete_parameter": ("AccessDeniedException", "not allowed")})
    SsmKeyStore(denied, PREFIX, FernetKeyCipher("x" * 40)).forget(ref)
    assert parameter_names(ssm) == {ref.removeprefix("ssm:")}
    logged = _logged(caplog)
    assert "could not be deleted" in logged and ref.removeprefix("ssm:") in logged and KEY not in logged


def test_ssm_errors_become_platform_errors_without_the_key(ssm: Any, caplog: pytest.LogCaptureFixture) -> None:
    # Some AWS validation messages echo the rejected value: neither the error nor the log may carry it.
    echoing = f"Value '{KEY}' at 'value' failed to satisfy constraint"
    refused = SsmKeyStore(FailingSsm(ssm, {"put_parameter": ("ValidationException", echoing)}), PREFIX,
                          FernetKeyCipher("x" * 40))
    with pytest.raises(ValidationFailed) as invalid:
        refused.encrypt(KEY)
    busy = SsmKeyStore(FailingSsm(ssm, {"put_parameter": ("ThrottlingException", "Rate exceeded"),
                                        "get_parameter": ("ThrottlingException", "Rate exceeded")}),
                       PREFIX, FernetKeyCipher("x" * 40))
    with pytest.raises(ServiceUnavailable):
        busy.encrypt(KEY)
    with pytest.raises(ServiceUnavailable):
        busy.decrypt("ssm:" + PREFIX + "llmkey_x")
    broken = SsmKeyStore(FailingSsm(ssm, {"put_parameter": ("InternalServerError", echoing)}), PREFIX,
                         FernetKeyCipher("x" * 40))
    with pytest.raises(PlatformError) as failed:
        broken.encrypt(KEY)
    assert failed.value.code == "key_store_failed"
    assert failed.value.__cause__ is None and invalid.value.__cause__ is None
    logged = _logged(caplog)
    assert "could not be stored" in logged and KEY not in str(invalid.value) + str(failed.value) + logged
    assert parameter_names(ssm) == set()


def test_the_prefix_must_be_a_parameter_path(ssm: Any) -> None:
    for prefix in ("a2g/llm-keys/", "/a2g/llm-keys"):
        with pytest.raises(ValueError, match="start and end with '/'"):
            SsmKeyStore(ssm, prefix, FernetKeyCipher("x" * 40))


def test_the_fernet_cipher_names_an_ssm_reference_it_cannot_read() -> None:
    with pytest.raises(KeyDecryptionFailed, match="A2G_LLM_KEY_STORE"):
        FernetKeyCipher("x" * 40).decrypt("ssm:" + PREFIX + "llmkey_x")
