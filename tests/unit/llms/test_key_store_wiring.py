"""Which key store runs where: the setting, the template (AWS defaults to SSM, and every function that reads
LLM keys may read the parameters), and the local runtime (no Parameter Store: always the encrypted store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a2g.llms.crypto import FernetKeyCipher
from a2g.llms.key_store import SsmKeyStore, key_cipher_from_settings
from a2g.settings import Settings
from a2g_local.cfn import load_yaml
from a2g_local.environment import Endpoints, build_environment
from a2g_local.template import load_template
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[3]
PARAMETERS_ARN = "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${AWS::StackName}/llm-keys/*"
# The functions whose code builds the LLM registry and resolves models (a2g.llms.service.build_llm_registry).
KEY_READERS = {"LlmsFunction", "LogProxyFunction", "HealthChecksFunction", "RankingFunction", "McpFunction"}


def test_the_setting_picks_the_store_and_defaults_to_encrypted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("A2G_LLM_KEY_STORE", raising=False)
    assert isinstance(key_cipher_from_settings(Settings()), FernetKeyCipher)  # type: ignore[call-arg]
    monkeypatch.setenv("A2G_LLM_KEY_STORE", "ssm")
    monkeypatch.setenv("A2G_LLM_KEY_SSM_PREFIX", "/stack-1/llm-keys/")
    store = key_cipher_from_settings(Settings())  # type: ignore[call-arg]
    assert isinstance(store, SsmKeyStore) and store.prefix == "/stack-1/llm-keys/"


@pytest.mark.parametrize(("name", "value"), [("A2G_LLM_KEY_STORE", "vault"),
                                             ("A2G_LLM_KEY_SSM_PREFIX", "a2g/llm-keys/"),
                                             ("A2G_LLM_KEY_SSM_PREFIX", "/a2g/llm-keys")])
def test_bad_key_store_settings_fail_at_start(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):  # named as the variable, as a missing one is
        Settings()  # type: ignore[call-arg]


def _ssm_actions(function: dict[str, Any]) -> dict[str, set[str]]:
    """SSM actions of a function's inline statements, by resource."""
    out: dict[str, set[str]] = {}
    for policy in function["Properties"].get("Policies") or []:
        for statement in (policy.get("Statement") or []) if isinstance(policy, dict) else []:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            ssm = {a for a in actions if str(a).startswith("ssm:")}
            if ssm:
                resource = statement["Resource"]
                out.setdefault(resource.get("Fn::Sub", str(resource)), set()).update(ssm)
    return out


def test_the_template_keeps_keys_in_ssm_and_grants_exactly_the_key_readers() -> None:
    raw = load_yaml((REPO / "template.yaml").read_text())
    assert raw["Parameters"]["LlmKeyStore"]["Default"] == "ssm"
    variables = raw["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["A2G_LLM_KEY_STORE"] == {"Ref": "LlmKeyStore"}
    assert variables["A2G_LLM_KEY_SSM_PREFIX"] == {"Fn::Sub": "/${AWS::StackName}/llm-keys/"}
    granted = {lid: _ssm_actions(res) for lid, res in raw["Resources"].items()
               if res["Type"] == "AWS::Serverless::Function" and _ssm_actions(res)}
    assert set(granted) == KEY_READERS
    assert granted["LlmsFunction"] == {
        PARAMETERS_ARN: {"ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter"}}
    for reader in KEY_READERS - {"LlmsFunction"}:
        assert granted[reader] == {PARAMETERS_ARN: {"ssm:GetParameter"}}, reader


def test_the_key_readers_are_the_functions_that_build_the_registry() -> None:
    """If another function starts resolving models, it needs ssm:GetParameter too (the IAM audit runs locally,
    where keys are never in SSM, so it cannot catch this)."""
    builders = {"LlmsFunction": "functions/llms/app.py",
                "LogProxyFunction": "layers/core/python/a2g/tracing/composition.py",
                "HealthChecksFunction": "layers/core/python/a2g/operations/composition.py",
                "RankingFunction": "layers/core/python/a2g/ranking/repository.py",
                "McpFunction": "layers/core/python/a2g/ranking/repository.py"}  # find_agents ranks
    assert set(builders) == KEY_READERS
    callers = {str(p.relative_to(REPO)) for p in [*REPO.glob("functions/*/*.py"),
                                                   *REPO.glob("layers/core/python/a2g/**/*.py")]
               if "build_llm_registry(" in p.read_text() and not p.match("a2g/llms/*")}
    assert callers == set(builders.values())


def test_the_local_runtime_keeps_keys_encrypted_in_its_own_stores(tmp_path: Path) -> None:
    template = load_template(REPO / "template.yaml", environ={}, allow_missing_functions=True)
    assert template.environment["A2G_LLM_KEY_STORE"] == "ssm"
    endpoints = Endpoints("http://127.0.0.1:4000", "http://127.0.0.1:4001", "http://127.0.0.1:4000/_s3",
                          "http://127.0.0.1:4000/test")
    own = build_environment(template, process_env={"A2G_LLM_KEY_STORE": "ssm"}, dotenv={}, endpoints=endpoints,
                            data_dir=tmp_path, own_stores=True)
    assert own["A2G_LLM_KEY_STORE"] == "encrypted"
    aws = build_environment(template, process_env={}, dotenv={}, data_dir=tmp_path, own_stores=False,
                            endpoints=Endpoints("http://127.0.0.1:4000", None, None, "http://127.0.0.1:4000/t"))
    assert aws["A2G_LLM_KEY_STORE"] == "ssm"
