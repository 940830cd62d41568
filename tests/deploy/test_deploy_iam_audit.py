"""The IAM audit's judgement (infrastructure/deploy/iam_audit.py): recorded calls against the roles the SAM
transform expands from template.yaml. The audit itself runs the e2e suites and is too slow for `make test`;
these tests prove that what it decides is right, on the real template's roles."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.checks import REPO, load_raw

DEPLOY = REPO / "infrastructure" / "deploy"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"a2g_deploy_{name}", DEPLOY / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


audit = _load("iam_audit")


@pytest.fixture(scope="module")
def grants() -> dict[str, Any]:
    return dict(audit.granted(load_raw()))


def call(function: str, service: str, action: str, resource: str = "", detail: str = "") -> Any:
    return audit.Call(function, service, action, resource, detail)


ALLOWED = [
    call("LogProxyFunction", "dynamodb", "UpdateItem", "UsersTable"),  # the rate window
    call("LogProxyFunction", "dynamodb", "Query", "ConnectionsTable", "gsi1"),
    call("LogProxyFunction", "apigatewaymanagementapi", "PostToConnection"),
    call("AgentsCatalogFunction", "dynamodb", "Query", "AgentsTable", "gsi2"),
    call("AdminUsersFunction", "dynamodb", "ConditionCheckItem", "UsersTable"),  # inside a transaction
    call("FilesFunction", "s3", "PutObject", "FilesBucket", "files/alice/ses_1/fil_1"),  # presigned POST
    call("FilesFunction", "s3", "HeadObject", "FilesBucket", "files/alice/ses_1/fil_1"),
    call("SessionsFunction", "s3", "DeleteObject", "FilesBucket", "files/alice/ses_1/fil_1"),
    call("HeartbeatFunction", "dynamodb", "UpdateItem", "PlatformTable"),
]
DENIED = [
    call("WsInvokeFunction", "dynamodb", "GetItem", "ConnectionsTable"),  # no longer granted
    call("AgentsCatalogFunction", "dynamodb", "PutItem", "AgentsTable"),  # read-only
    call("HeartbeatFunction", "dynamodb", "DeleteItem", "PlatformTable"),  # Write has no DeleteItem
    call("RankingFunction", "dynamodb", "Query", "UsageTable"),
    call("FilesFunction", "s3", "DeleteObject", "FilesBucket", "files/alice/ses_1/fil_1"),
    call("FilesFunction", "s3", "PutObject", "FilesBucket", "elsewhere/x"),  # outside files/
    call("HealthFunction", "apigatewaymanagementapi", "PostToConnection"),
    call("NoSuchFunction", "dynamodb", "GetItem", "UsersTable"),
]


@pytest.mark.parametrize("allowed", ALLOWED, ids=lambda c: f"{c.function}-{c.action}-{c.resource}")
def test_calls_the_roles_allow_pass(grants: dict[str, Any], allowed: Any) -> None:
    assert audit.missing([allowed], grants) == []


@pytest.mark.parametrize("denied", DENIED, ids=lambda c: f"{c.function}-{c.action}-{c.resource}")
def test_calls_the_roles_do_not_allow_are_reported(grants: dict[str, Any], denied: Any) -> None:
    assert audit.missing([denied], grants) == [denied]


def test_grants_no_call_used_are_listed(grants: dict[str, Any]) -> None:
    idle = audit.unused([call("LogProxyFunction", "dynamodb", "GetItem", "UsersTable")], grants)
    assert set(idle["LogProxyFunction"]) == {"TracesTable", "UsageTable", "PlatformTable", "ConnectionsTable"}


def test_recordings_are_read_back_with_logical_ids(tmp_path: Path) -> None:
    hook = _load("iam_audit_hook")
    rows = [
        {"function": "AdminUsersFunction", "service": "dynamodb", "action": action, "resource": table,
         "detail": ""}
        for action, table, _ in hook._dynamodb_calls("TransactWriteItems", {"TransactItems": [
            {"Update": {"TableName": "a2g-UsersTable"}}, {"ConditionCheck": {"TableName": "a2g-UsersTable"}}]})
    ]
    rows.append({"function": None, "service": "dynamodb", "action": "GetItem", "resource": "a2g-UsersTable",
                 "detail": "", "where": ["a2g.identity.repository"]})
    rows.append({"function": "FilesFunction", "service": "s3", "action": "PutObject", "resource": "a2g-filesbucket",
                 "detail": "files/a/b/c"})
    (tmp_path / "calls-1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    calls, unattributed = audit.read_calls(tmp_path, load_raw())
    assert calls == [call("AdminUsersFunction", "dynamodb", "UpdateItem", "UsersTable"),
                     call("AdminUsersFunction", "dynamodb", "ConditionCheckItem", "UsersTable"),
                     call("FilesFunction", "s3", "PutObject", "FilesBucket", "files/a/b/c")]
    assert [r["where"] for r in unattributed] == [["a2g.identity.repository"]]


def test_functions_no_test_invoked_are_not_called_over_granted(grants: dict[str, Any]) -> None:
    idle = audit.unused([call("HeartbeatFunction", "dynamodb", "UpdateItem", "PlatformTable")], grants)
    assert idle == {}
