"""template.yaml is deployable and consistent with the code: cfn-lint, the SAM transform, functions and their
folders, routes the local runtime serves, least-privilege IAM, logs, SnapStart, storage and web hosting.

Every check also runs on a deliberately broken copy of the template and must report it there.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy import checks
from tests.deploy.checks import REPO, TEMPLATE, functions, load_raw, mutated


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_raw()


def write_template(doc: dict[str, Any], folder: Path) -> Path:
    """A copy of the template elsewhere: local folders made absolute so they still resolve."""
    doc = copy.deepcopy(doc)
    for res in doc["Resources"].values():
        props = res.get("Properties") or {}
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = str(REPO / props[key]) + "/"
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# ---- cfn-lint --------------------------------------------------------------------------------------------

def cfn_lint(text: str) -> list[str]:
    from cfnlint.api import lint

    return [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in lint(text, regions=["us-east-1"])]


def test_cfn_lint_finds_nothing_in_the_template() -> None:
    assert cfn_lint(TEMPLATE.read_text()) == []


def test_cfn_lint_informational_checks_find_nothing_either() -> None:
    """`--include-checks I` too: e.g. I3011, a stateful resource without Retain policies."""
    from cfnlint.api import ManualArgs, lint

    found = lint(TEMPLATE.read_text(), config=ManualArgs(regions=["us-east-1"], include_checks=["I"]))
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in found] == []


def test_cfn_lint_reports_a_broken_copy(raw: dict[str, Any]) -> None:
    broken = mutated(raw)
    broken["Resources"]["UsersTable"]["Properties"]["BillingMode"] = "PAY_PER_REQUESTS"
    config = broken["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "https-always"
    found = cfn_lint(yaml.safe_dump(broken))
    assert any("PAY_PER_REQUESTS" in m for m in found) and any("https-always" in m for m in found), found


# ---- the SAM transform (what sam deploy runs first; cfn-lint 1.x no longer does) -------------------------

class _NoManagedPolicies:
    """The managed-policy loader would ask IAM; the template uses none by name."""

    def load(self) -> dict[str, str]:
        return {}


def sam_transform(doc: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    doc = copy.deepcopy(doc)
    for lid, res in doc["Resources"].items():  # the transform wants uploaded code, as after `sam package`
        props = res.get("Properties") or {}
        if res["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = f"s3://a2g-artifacts/{lid}.zip"
        if res["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = f"s3://a2g-artifacts/{lid}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return dict(transform(doc, {}, _NoManagedPolicies()))


@pytest.fixture(scope="module")
def transformed(raw: dict[str, Any]) -> dict[str, Any]:
    return sam_transform(raw)


def test_sam_transform_succeeds(raw: dict[str, Any], transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    for lid in functions(raw):
        assert resources[lid]["Type"] == "AWS::Lambda::Function"
    stages = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"
              and r["Properties"]["ApiId"] == {"Ref": "HttpApi"}]
    # A named HTTP API stage prefixes every rawPath with it and the functions' routes stop matching.
    assert [s["StageName"] for s in stages] == ["$default"]


def test_the_http_authorizer_has_no_identity_source_and_no_cache(transformed: dict[str, Any]) -> None:
    """With an identity source API Gateway answers a request without it a bare 401 before the authorizer runs;
    without one the authorizer answers every request, `credential_required` included (docs/deploy.md)."""
    (api,) = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::ApiGatewayV2::Api"
              and "Body" in r["Properties"]]
    schemes = api["Properties"]["Body"]["components"]["securitySchemes"]
    authorizer = schemes["PlatformAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["identitySource"] == [] and authorizer["authorizerResultTtlInSeconds"] == 0


def test_sam_transform_rejects_a_broken_copy(raw: dict[str, Any]) -> None:
    from samtranslator.model.exceptions import InvalidDocumentException

    broken = mutated(raw)
    broken["Resources"]["HealthFunction"]["Properties"]["Events"]["Health"]["Type"] = "HttpApii"
    with pytest.raises(InvalidDocumentException):
        sam_transform(broken)


def test_snapstart_functions_are_reached_through_their_alias(raw: dict[str, Any],
                                                             transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    snap = [lid for lid, res in functions(raw).items() if (res.get("Properties") or {}).get("SnapStart")]
    assert snap, "no function uses SnapStart"
    for lid in snap:
        assert resources[lid]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
        permissions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"
                       and r["Properties"].get("Principal") == "apigateway.amazonaws.com"
                       and lid in str(r["Properties"]["FunctionName"])]
        assert permissions and all(p["FunctionName"] == {"Ref": f"{lid}Aliaslive"} for p in permissions), lid


def test_snapstart_check_reports_misuse(raw: dict[str, Any]) -> None:
    assert checks.snapstart_problems(raw) == []
    broken = mutated(raw)
    # The authorizer is called by ARN (HttpApi authorizer, WebSocket authorizer): $LATEST, never a snapshot.
    broken["Resources"]["AuthorizerFunction"]["Properties"].update(
        SnapStart={"ApplyOn": "PublishedVersions"}, AutoPublishAlias="live")
    del broken["Resources"]["SessionsFunction"]["Properties"]["AutoPublishAlias"]
    found = checks.snapstart_problems(broken)
    assert any("AuthorizerFunction" in p and "unqualified ARN" in p for p in found), found
    assert any("SessionsFunction" in p and "AutoPublishAlias" in p for p in found), found


# ---- functions and their folders -------------------------------------------------------------------------

def test_every_function_has_its_folder_and_handler_and_every_folder_is_a_function(raw: dict[str, Any]) -> None:
    assert checks.function_folder_problems(raw) == []


def test_folder_check_reports_each_kind_of_mismatch(raw: dict[str, Any]) -> None:
    broken = mutated(raw)
    del broken["Resources"]["DocsFunction"]  # functions/docs/ is left without a function
    broken["Resources"]["HealthFunction"]["Properties"]["CodeUri"] = "functions/no_such_function/"
    broken["Resources"]["HeartbeatFunction"]["Properties"]["Handler"] = "app.no_such_handler"
    broken["Resources"]["LogProxyFunction"]["Properties"]["Handler"] = "start.sh"
    found = checks.function_folder_problems(broken)
    assert any("functions/docs/ is not a function" in p for p in found), found
    assert any("HealthFunction" in p and "does not exist" in p for p in found), found
    assert any("HeartbeatFunction" in p and "no_such_handler" in p for p in found), found
    assert any("LogProxyFunction" in p and "start.sh" in p for p in found), found


# ---- routes ----------------------------------------------------------------------------------------------

def test_every_http_route_is_served_by_the_local_runtime(raw: dict[str, Any]) -> None:
    assert len(checks.http_events(raw)) > 40
    assert checks.local_route_problems(raw) == []


def test_route_check_reports_a_route_the_runtime_cannot_serve(raw: dict[str, Any], tmp_path: Path) -> None:
    broken = mutated(raw)
    events = broken["Resources"]["HealthFunction"]["Properties"]["Events"]
    # The same route twice: API Gateway refuses it, and so does the local runtime's loader.
    events["Again"] = {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "HttpApi"},
                                                         "Path": "/api/auth/me", "Method": "GET"}}
    found = checks.local_route_problems(broken, write_template(broken, tmp_path))
    assert found and "GET /api/auth/me" in found[0], found


# ---- IAM -------------------------------------------------------------------------------------------------

def test_no_function_reaches_dynamodb_with_a_wildcard(raw: dict[str, Any]) -> None:
    assert checks.dynamodb_wildcard_problems(raw) == []


def test_expanded_roles_grant_dynamodb_only_on_this_stacks_tables(transformed: dict[str, Any]) -> None:
    """What SAM's policy templates become: every DynamoDB statement names a table of the stack."""
    roles = {lid: r for lid, r in transformed["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    tables = {lid for lid, r in transformed["Resources"].items() if r["Type"] == "AWS::DynamoDB::Table"}
    seen = 0
    for lid, role in roles.items():
        assert not any("DynamoDB" in str(arn) for arn in role["Properties"].get("ManagedPolicyArns", [])), lid
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = [a.lower() for a in checks._as_list(statement["Action"])]
                if not any(a.startswith("dynamodb:") for a in actions):
                    continue
                seen += 1
                assert "dynamodb:*" not in actions and "*" not in actions, (lid, actions)
                for resource in checks._as_list(statement["Resource"]):
                    assert resource != "*", (lid, statement)
                    assert any(f"'Ref': '{t}'" in str(resource) for t in tables), (lid, resource)
    assert seen > 20


def test_wildcard_check_reports_wildcards(raw: dict[str, Any]) -> None:
    broken = mutated(raw)
    broken["Resources"]["HealthFunction"]["Properties"]["Policies"] += [
        {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]},
        {"DynamoDBReadPolicy": {"TableName": "*"}},
        "AmazonDynamoDBFullAccess",
    ]
    found = checks.dynamodb_wildcard_problems(broken)
    assert len([p for p in found if p.startswith("HealthFunction")]) == 4, found


def test_websocket_pushing_functions_and_only_they_have_manage_connections(raw: dict[str, Any]) -> None:
    assert checks.manage_connections_problems(raw) == []
    pushers = set(checks.manage_connections_functions(raw))
    # The known pushers, so that a broken detection (finding none) cannot pass silently.
    assert {"WsDefaultFunction", "WsSubscribeFunction", "WsInvokeFunction", "LogProxyFunction",
            "LogsFunction", "OtelIntakeFunction"} <= pushers


def test_manage_connections_check_reports_missing_and_needless_grants(raw: dict[str, Any]) -> None:
    broken = mutated(raw)
    policies = broken["Resources"]["WsDefaultFunction"]["Properties"]["Policies"]
    broken["Resources"]["WsDefaultFunction"]["Properties"]["Policies"] = [
        p for p in policies if "ManageConnections" not in str(p)]
    broken["Resources"]["HealthFunction"]["Properties"]["Policies"].append({"Statement": [{
        "Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*"}]})
    found = checks.manage_connections_problems(broken)
    assert any(p.startswith("WsDefaultFunction pushes") for p in found), found
    assert any(p.startswith("HealthFunction has execute-api:ManageConnections but never pushes") for p in found)
    assert any(p.startswith("HealthFunction: ManageConnections on '*'") for p in found), found


def test_files_bucket_rights_are_scoped_to_the_attachments_prefix(raw: dict[str, Any]) -> None:
    """No function gets the whole bucket or S3 at large: object rights only under files/ (the chat keys)."""
    for lid, res in functions(raw).items():
        policies = (res.get("Properties") or {}).get("Policies") or []
        assert not any(isinstance(p, dict) and any(k.startswith("S3") for k in p) for p in policies), lid
        for statement in checks.policy_statements(policies):
            actions = [str(a) for a in checks._as_list(statement.get("Action"))]
            object_actions = [a for a in actions if a.startswith("s3:") and a != "s3:ListBucket"]
            if object_actions:
                assert statement["Resource"] == {"Fn::Sub": "${FilesBucket.Arn}/files/*"}, (lid, statement)


# ---- logs, storage, web hosting ----------------------------------------------------------------------------

def test_every_function_logs_with_a_retention(raw: dict[str, Any]) -> None:
    assert checks.log_retention_problems(raw) == []
    broken = mutated(raw)
    del broken["Globals"]["Function"]["LoggingConfig"]
    assert len(checks.log_retention_problems(broken)) == len(functions(raw))
    broken = mutated(raw)
    del broken["Resources"]["FunctionLogGroup"]["Properties"]["RetentionInDays"]
    assert checks.log_retention_problems(broken)


def test_tables_and_buckets_are_encrypted_recoverable_and_private(raw: dict[str, Any]) -> None:
    assert checks.storage_problems(raw) == []
    broken = mutated(raw)
    broken["Resources"]["AgentsTable"]["Properties"]["PointInTimeRecoverySpecification"] = {
        "PointInTimeRecoveryEnabled": False}
    broken["Resources"]["WebBucket"]["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] = False
    found = checks.storage_problems(broken)
    assert any("AgentsTable" in p for p in found) and any("WebBucket" in p for p in found), found


def test_web_app_api_log_proxy_and_websocket_share_one_cloudfront_origin(raw: dict[str, Any]) -> None:
    assert checks.web_hosting_problems(raw) == []
    broken = mutated(raw)
    behaviors = broken["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    behaviors.reverse()  # /api/* first: the log-proxy's streaming would go through API Gateway
    del broken["Outputs"]["WebUrl"]
    found = checks.web_hosting_problems(broken)
    assert any("/api/* comes before /api/log-proxy/*" in p for p in found), found
    assert "output WebUrl is missing" in found
    pointed_at_the_api = mutated(raw)
    pointed_at_the_api["Outputs"]["A2aGatewayUrl"]["Value"] = {"Fn::Sub": "https://${HttpApi}.example/a2a"}
    assert checks.web_hosting_problems(pointed_at_the_api) == [
        "output A2aGatewayUrl is not A2aGatewayFunctionUrl's FunctionUrl"]


def test_log_proxy_runs_the_same_app_through_the_web_adapter(raw: dict[str, Any]) -> None:
    props = raw["Resources"]["LogProxyFunction"]["Properties"]
    env = props["Environment"]["Variables"]
    assert props["Handler"] == "run.sh"
    assert props["FunctionUrlConfig"]["InvokeMode"] == "RESPONSE_STREAM"
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap" and env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert "PORT" in env
    layer = props["Layers"][0]["Fn::If"]
    assert layer[0] == "UsePublicWebAdapterLayer"
    by_architecture = layer[1]["Fn::If"]  # the public layer built for the Architecture parameter
    assert by_architecture[0] == "IsArm64"
    assert "LambdaAdapterLayerArm64" in by_architecture[1]["Fn::Sub"]
    assert "LambdaAdapterLayerX86" in by_architecture[2]["Fn::Sub"]
    assert layer[2] == {"Ref": "LambdaWebAdapterLayerArn"}


def test_local_runtime_serves_the_web_adapter_function_through_its_asgi_app(raw: dict[str, Any],
                                                                             tmp_path: Path) -> None:
    from a2g_local.template import TemplateError, load_template

    loaded = load_template(TEMPLATE, environ={"TokenSecret": "x" * 32}, allow_missing_functions=True)
    proxy = loaded.functions["LogProxyFunction"]
    assert (proxy.handler, proxy.module_path.name, proxy.streaming) == ("run.sh", "app.py", True)
    broken = mutated(raw)
    broken["Resources"]["LogProxyFunction"]["Properties"]["Handler"] = "start.sh"  # no such script
    with pytest.raises(TemplateError, match="start script 'start.sh'"):
        load_template(write_template(broken, tmp_path), environ={"TokenSecret": "x" * 32})


# ---- retained data, WebSocket auto-deploy, the log-proxy's timeout ------------------------------------------

def test_every_table_bucket_and_log_group_is_retained(raw: dict[str, Any]) -> None:
    assert checks.retention_problems(raw) == []
    kinds = {res["Type"] for res in raw["Resources"].values() if res["Type"] in checks.STATEFUL_TYPES}
    assert kinds == set(checks.STATEFUL_TYPES)  # the check really looked at tables, buckets and logs
    broken = mutated(raw)
    del broken["Resources"]["AgentsTable"]["DeletionPolicy"]
    broken["Resources"]["FilesBucket"]["UpdateReplacePolicy"] = "Delete"
    del broken["Resources"]["FunctionLogGroup"]["UpdateReplacePolicy"]
    found = checks.retention_problems(broken)
    assert found == ["AgentsTable: DeletionPolicy is None, not 'Retain'",
                     "FilesBucket: UpdateReplacePolicy is 'Delete', not 'Retain'",
                     "FunctionLogGroup: UpdateReplacePolicy is None, not 'Retain'"], found


def test_websocket_stage_deploys_route_changes_itself(raw: dict[str, Any], transformed: dict[str, Any]) -> None:
    assert checks.websocket_deployment_problems(raw) == []
    stage = transformed["Resources"]["WebSocketStage"]["Properties"]
    assert stage["AutoDeploy"] is True and "DeploymentId" not in stage  # survives the SAM transform
    broken = mutated(raw)
    del broken["Resources"]["WebSocketStage"]["Properties"]["AutoDeploy"]
    broken["Resources"]["WebSocketDeployment"] = {"Type": "AWS::ApiGatewayV2::Deployment",
                                                  "Properties": {"ApiId": {"Ref": "WebSocketApi"}}}
    broken["Resources"]["WebSocketStage"]["Properties"]["DeploymentId"] = {"Ref": "WebSocketDeployment"}
    found = checks.websocket_deployment_problems(broken)
    assert len(found) == 3 and any("WebSocketDeployment" in p for p in found), found


def test_log_proxy_outlives_the_slowest_llm_call_allowed(raw: dict[str, Any]) -> None:
    longest = checks.longest_llm_timeout()
    assert longest == 900
    assert checks.log_proxy_timeout_problems(raw, longest) == []
    broken = mutated(raw)
    broken["Resources"]["LogProxyFunction"]["Properties"]["Timeout"] = 300
    assert checks.log_proxy_timeout_problems(broken, longest) == [
        "LogProxyFunction: Timeout 300 s is shorter than the longest LLM timeout allowed (900 s)"]
