"""Consistency checks of template.yaml against the code, as pure functions of the parsed template.

Each returns the problems it finds (an empty list when all is well), so the tests run it on the real
template and on deliberately broken copies: a check that cannot fail would guard nothing.
"""

from __future__ import annotations

import ast
import copy
import os
import re
from pathlib import Path
from typing import Any

from a2g_local.cfn import load_yaml
from a2g_local.routing import RouteTable
from a2g_local.template import TemplateError, load_template

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
FUNCTIONS_DIR = REPO / "functions"

Template = dict[str, Any]


def load_raw(path: Path = TEMPLATE) -> Template:
    """The template with intrinsic tags in their long form (`{"Ref": ...}`, `{"Fn::Sub": ...}`)."""
    return load_yaml(path.read_text(encoding="utf-8"))


def mutated(raw: Template) -> Template:
    return copy.deepcopy(raw)


def functions(raw: Template) -> dict[str, dict[str, Any]]:
    return {lid: res for lid, res in raw["Resources"].items() if res.get("Type") == "AWS::Serverless::Function"}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties") or {}


def handler_of(raw: Template, resource: dict[str, Any]) -> str:
    return str(props(resource).get("Handler") or raw.get("Globals", {}).get("Function", {}).get("Handler"))


# ---- functions <-> folders --------------------------------------------------------------------------------

def function_folder_problems(raw: Template, functions_dir: Path = FUNCTIONS_DIR, root: Path = REPO) -> list[str]:
    """Every function's CodeUri folder exists and holds its handler; every folder under functions/ is a
    function of the template (an orphan folder would be deployed nowhere)."""
    problems: list[str] = []
    used: set[Path] = set()
    for lid, res in functions(raw).items():
        code_uri = props(res).get("CodeUri")
        if not isinstance(code_uri, str):
            problems.append(f"{lid}: CodeUri is not a local folder ({code_uri!r})")
            continue
        folder = (root / code_uri).resolve()
        used.add(folder)
        handler = handler_of(raw, res)
        if not folder.is_dir():
            problems.append(f"{lid}: folder {code_uri} does not exist")
        elif handler.endswith(".sh"):  # Lambda Web Adapter: a start script that serves app.py's ASGI `app`
            script = folder / handler
            if not script.is_file() or not os.access(script, os.X_OK):
                problems.append(f"{lid}: start script {code_uri}{handler} is missing or not executable")
            elif not re.search(r"uvicorn\b.*\bapp:app\b", script.read_text()):
                problems.append(f"{lid}: {handler} does not run uvicorn on app:app (what the local runtime serves)")
            if not _defines(folder / "app.py", "app"):
                problems.append(f"{lid}: {code_uri}app.py defines no ASGI `app` for {handler}")
        else:
            module, _, attr = handler.rpartition(".")
            module_file = folder / (module.replace(".", "/") + ".py")
            if not module_file.is_file():
                problems.append(f"{lid}: handler module {module_file.relative_to(root)} is missing")
            elif not _defines(module_file, attr):
                problems.append(f"{lid}: {module_file.relative_to(root)} defines no `{attr}` (Handler {handler})")
    for folder in sorted(p for p in functions_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        if folder.resolve() not in used:
            problems.append(f"functions/{folder.name}/ is not a function of the template")
    return problems


def _defines(module_file: Path, name: str) -> bool:
    """Whether a module binds `name` at module level (assignment, def, class or import), read without running it."""
    if not module_file.is_file():
        return False
    for node in ast.parse(module_file.read_text(encoding="utf-8")).body:
        bound: list[str] = []
        if isinstance(node, ast.Assign):
            bound = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            bound = [node.target.id]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = [node.name]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = [alias.asname or alias.name.split(".")[0] for alias in node.names]
        if name in bound:
            return True
    return False


# ---- HTTP routes -----------------------------------------------------------------------------------------

def http_events(raw: Template) -> list[tuple[str, str, str]]:
    """(METHOD, path, function) of every HttpApi event, read straight from the template."""
    out = []
    for lid, res in functions(raw).items():
        for event in (props(res).get("Events") or {}).values():
            if isinstance(event, dict) and event.get("Type") == "HttpApi":
                p = event.get("Properties") or {}
                out.append((str(p.get("Method", "ANY")).upper(), str(p.get("Path")), lid))
    return out


def concrete_path(path: str) -> str:
    """A request path that only this route pattern's parameters could match (`{id}` -> `p-id`)."""
    return re.sub(r"\{([^}+]+)\+?\}", lambda m: f"p-{m.group(1)}", path)


def local_route_problems(raw: Template, template_path: Path = TEMPLATE) -> list[str]:
    """Every HttpApi route of the template is served by the local runtime: its template loader yields the
    route, and its route table sends a request on that path and method to the same function."""
    try:
        loaded = load_template(template_path, environ={"TokenSecret": "x" * 32}, allow_missing_functions=True)
    except TemplateError as exc:
        return [f"the local runtime rejects the template: {exc}"]
    table: RouteTable[Any] = RouteTable()
    for route in loaded.http_routes:
        table.add(route.method, route.path, route)
    problems = []
    for method, path, function in http_events(raw):
        match = table.match(method, concrete_path(path))
        if match is None:
            problems.append(f"{method} {path} ({function}): the local runtime does not serve it")
        elif match.route.function != function or match.route.path != path:
            problems.append(f"{method} {path} ({function}): the local runtime sends it to "
                            f"{match.route.function} ({match.route.method} {match.route.path})")
    return problems


# ---- IAM -------------------------------------------------------------------------------------------------

DYNAMODB_POLICY_TEMPLATES = {"DynamoDBCrudPolicy", "DynamoDBReadPolicy", "DynamoDBWritePolicy",
                             "DynamoDBReconfigurePolicy", "DynamoDBStreamReadPolicy", "DynamoDBBackupFullAccessPolicy",
                             "DynamoDBRestoreFromBackupPolicy"}


def policy_statements(policies: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for policy in policies:
        if isinstance(policy, dict) and "Statement" in policy:
            statements = policy["Statement"]
            out.extend(statements if isinstance(statements, list) else [statements])
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def dynamodb_wildcard_problems(raw: Template) -> list[str]:
    """No function may reach DynamoDB with a wildcard: no `dynamodb:*` action, no `*` resource for DynamoDB
    actions, no managed DynamoDB policy, and every SAM DynamoDB policy template names a table of this stack."""
    tables = {lid for lid, res in raw["Resources"].items() if res.get("Type") == "AWS::DynamoDB::Table"}
    problems = []
    for lid, res in functions(raw).items():
        for policy in props(res).get("Policies") or []:
            if isinstance(policy, str):
                if "dynamodb" in policy.lower():
                    problems.append(f"{lid}: managed policy {policy} (account-wide DynamoDB rights)")
                continue
            if not isinstance(policy, dict):
                continue
            for name, args in policy.items():
                if name in DYNAMODB_POLICY_TEMPLATES:
                    table = (args or {}).get("TableName")
                    if not (isinstance(table, dict) and table.get("Ref") in tables):
                        problems.append(f"{lid}: {name} on {table!r}, not on a table of this template")
        for statement in policy_statements(props(res).get("Policies") or []):
            actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
            if not any(a.startswith("dynamodb:") or a == "*" for a in actions):
                continue
            if any(a in ("dynamodb:*", "*") for a in actions):
                problems.append(f"{lid}: statement allows {actions}")
            if any(r == "*" for r in _as_list(statement.get("Resource", []))):
                problems.append(f"{lid}: DynamoDB statement on Resource '*'")
    return problems


def manage_connections_functions(raw: Template) -> dict[str, list[Any]]:
    """Functions granted execute-api:ManageConnections, with the resources they got it on."""
    out: dict[str, list[Any]] = {}
    for lid, res in functions(raw).items():
        for statement in policy_statements(props(res).get("Policies") or []):
            actions = [str(a) for a in _as_list(statement.get("Action", []))]
            if "execute-api:ManageConnections" in actions and statement.get("Effect", "Allow") == "Allow":
                out.setdefault(lid, []).extend(_as_list(statement.get("Resource")))
    return out


# What makes a function push over the WebSocket API (post_to_connection), found in its app.py:
# the pusher itself, the chat run that streams an agent's answer, the log-proxy that pushes each call,
# the A2A gateway that pushes each call's agent_call entry, the OTLP intake that pushes each span's entry,
# and the trace service's methods that publish through its broadcaster (read from a2g/tracing/service.py).
DIRECT_PUSH_NAMES = {"ApiGatewayPusher", "invoke_service", "build_log_proxy", "TraceBroadcaster", "default_pusher",
                     "build_gateway", "build_otel_intake"}
TRACE_SERVICE_FACTORY = "build_trace_service"


def publishing_trace_methods(service_file: Path | None = None) -> set[str]:
    """TraceService methods that publish to WebSocket listeners (they use `self._broadcaster`)."""
    service_file = service_file or REPO / "layers/core/python/a2g/tracing/service.py"
    tree = ast.parse(service_file.read_text(encoding="utf-8"))
    methods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "TraceService":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and any(
                    isinstance(n, ast.Attribute) and n.attr == "_broadcaster" and item.name != "__init__"
                    for n in ast.walk(item)
                ):
                    methods.add(item.name)
    return methods


def pushing_reasons(app_py: Path, publishing_methods: set[str]) -> list[str]:
    """Why the function in `app_py` pushes to WebSocket connections (empty: it does not)."""
    tree = ast.parse(app_py.read_text(encoding="utf-8"))
    reasons = set()
    trace_services = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in DIRECT_PUSH_NAMES:
            reasons.add(f"uses {node.id}")
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id == TRACE_SERVICE_FACTORY:
                trace_services.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in trace_services
                and node.func.attr in publishing_methods):
            reasons.add(f"calls TraceService.{node.func.attr} (publishes to the trace's listeners)")
    return sorted(reasons)


def manage_connections_problems(raw: Template, root: Path = REPO) -> list[str]:
    """Every function that pushes over the WebSocket API has execute-api:ManageConnections on this stack's
    WebSocket API (its stage's @connections), and no function that never pushes has it."""
    granted = manage_connections_functions(raw)
    publishing = publishing_trace_methods()
    problems = []
    for lid, res in functions(raw).items():
        code_uri = props(res).get("CodeUri")
        app_py = root / str(code_uri) / "app.py"
        reasons = pushing_reasons(app_py, publishing) if app_py.is_file() else []
        if reasons and lid not in granted:
            problems.append(f"{lid} pushes ({'; '.join(reasons)}) but has no execute-api:ManageConnections")
        if lid in granted and not reasons:
            problems.append(f"{lid} has execute-api:ManageConnections but never pushes")
        for resource in granted.get(lid, []):
            text = resource.get("Fn::Sub") if isinstance(resource, dict) else resource
            if not (isinstance(text, str) and "${WebSocketApi}/" in text and "@connections" in text):
                problems.append(f"{lid}: ManageConnections on {resource!r}, not this stack's @connections")
    return problems


# ---- logs, SnapStart, storage, web hosting -----------------------------------------------------------------

def log_retention_problems(raw: Template) -> list[str]:
    """Every function logs to a log group of this template that has a retention."""
    global_group = (raw.get("Globals", {}).get("Function", {}).get("LoggingConfig") or {}).get("LogGroup")
    problems = []
    for lid, res in functions(raw).items():
        group = (props(res).get("LoggingConfig") or {}).get("LogGroup", global_group)
        ref = group.get("Ref") if isinstance(group, dict) else None
        resource = raw["Resources"].get(ref or "", {})
        if resource.get("Type") != "AWS::Logs::LogGroup":
            problems.append(f"{lid}: no LoggingConfig.LogGroup of this template (logs would be kept forever)")
        elif not props(resource).get("RetentionInDays"):
            problems.append(f"{lid}: log group {ref} has no RetentionInDays")
    return problems


def snapstart_problems(raw: Template) -> list[str]:
    """SnapStart only works through published versions: a function with it needs AutoPublishAlias (so SAM
    points its events at the alias), and must be reached only through SAM events - an ARN of its own in a
    WebSocket integration or an authorizer would call $LATEST, where SnapStart does nothing."""
    problems = []
    for lid, res in functions(raw).items():
        p = props(res)
        if not p.get("SnapStart"):
            continue
        if not p.get("AutoPublishAlias"):
            problems.append(f"{lid}: SnapStart without AutoPublishAlias (it would never be used)")
        for other_id, other in raw["Resources"].items():
            if other_id != lid and _refers_to_arn(other, lid):
                problems.append(f"{lid}: SnapStart, but {other_id} invokes its unqualified ARN")
        if p.get("FunctionUrlConfig"):
            problems.append(f"{lid}: SnapStart with a Function URL on $LATEST")
    return problems


def _refers_to_arn(value: Any, logical_id: str) -> bool:
    """Whether a template value names the function's ARN (`!GetAtt X.Arn`, `${X.Arn}` in a `!Sub`)."""
    if isinstance(value, dict):
        getatt = value.get("Fn::GetAtt")
        if getatt in ([logical_id, "Arn"], f"{logical_id}.Arn"):
            return True
        return any(_refers_to_arn(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(_refers_to_arn(v, logical_id) for v in value)
    return isinstance(value, str) and f"${{{logical_id}.Arn}}" in value


def storage_problems(raw: Template) -> list[str]:
    """Tables: encryption, TTL on `ttl` where the data model expires items, point-in-time recovery for the
    tables whose data cannot be rebuilt; buckets: encryption and every public-access block on."""
    problems = []
    for lid, res in raw["Resources"].items():
        p = props(res)
        if res.get("Type") == "AWS::DynamoDB::Table":
            if not (p.get("SSESpecification") or {}).get("SSEEnabled"):
                problems.append(f"{lid}: no SSESpecification.SSEEnabled")
            if p.get("BillingMode") != "PAY_PER_REQUEST":
                problems.append(f"{lid}: not PAY_PER_REQUEST")
            pitr = (p.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
            if lid != "ConnectionsTable" and not pitr:  # connections are ephemeral: nothing to recover
                problems.append(f"{lid}: point-in-time recovery is off")
            ttl = p.get("TimeToLiveSpecification") or {}
            if lid != "UsageTable" and not (ttl.get("Enabled") and ttl.get("AttributeName") == "ttl"):
                problems.append(f"{lid}: TTL on `ttl` is off")
        if res.get("Type") == "AWS::S3::Bucket":
            block = p.get("PublicAccessBlockConfiguration") or {}
            for key in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"):
                if block.get(key) is not True:
                    problems.append(f"{lid}: PublicAccessBlockConfiguration.{key} is not true")
            rules = (p.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
            if not rules:
                problems.append(f"{lid}: no BucketEncryption")
    return problems


def web_hosting_problems(raw: Template) -> list[str]:
    """The web app from a private bucket through CloudFront with an origin access control, and the API,
    the log-proxy's Function URL and the WebSocket API on the same origin, as the local runtime serves them."""
    resources = raw["Resources"]
    dists = [lid for lid, r in resources.items() if r.get("Type") == "AWS::CloudFront::Distribution"]
    if len(dists) != 1:
        return [f"expected one CloudFront distribution, found {dists}"]
    config = props(resources[dists[0]]).get("DistributionConfig") or {}
    origins = {o.get("Id"): o for o in config.get("Origins") or []}
    problems = []

    def origin_of(pattern: str | None) -> dict[str, Any]:
        behaviors = config.get("CacheBehaviors") or []
        behavior = (config.get("DefaultCacheBehavior") or {}) if pattern is None else next(
            (b for b in behaviors if b.get("PathPattern") == pattern), {})
        return origins.get(behavior.get("TargetOriginId"), {})

    web = origin_of(None)
    if "OriginAccessControlId" not in web or "WebBucket" not in str(web.get("DomainName")):
        problems.append("the default behaviour does not serve WebBucket through an origin access control")
    expectations = {"/api/log-proxy/*": "LogProxyFunctionUrl", "/api/*": "HttpApi", "/ws": "WebSocketApi"}
    for pattern, target in expectations.items():
        if target not in str(origin_of(pattern).get("DomainName")):
            problems.append(f"{pattern} is not routed to {target}")
    patterns = [b.get("PathPattern") for b in config.get("CacheBehaviors") or []]
    if "/api/log-proxy/*" in patterns and "/api/*" in patterns and \
            patterns.index("/api/log-proxy/*") > patterns.index("/api/*"):
        problems.append("/api/* comes before /api/log-proxy/*: the log-proxy would go to API Gateway")
    outputs = raw.get("Outputs") or {}
    for output in ("ApiUrl", "WebSocketUrl", "LogProxyUrl", "A2aGatewayUrl", "WebUrl", "WebBucketName",
                   "WebDistributionId"):
        if output not in outputs:
            problems.append(f"output {output} is missing")
    # The streaming functions' documented ways in are their Function URLs (API Gateway cannot relay a stream).
    for output, url in (("LogProxyUrl", "LogProxyFunctionUrl"), ("A2aGatewayUrl", "A2aGatewayFunctionUrl")):
        if output in outputs and outputs[output].get("Value") != {"Fn::GetAtt": [url, "FunctionUrl"]}:
            problems.append(f"output {output} is not {url}'s FunctionUrl")
    return problems


# ---- data that outlives the stack, WebSocket deployments, timeouts -------------------------------------------

STATEFUL_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup")


def retention_problems(raw: Template) -> list[str]:
    """Every table, bucket and log group is kept when the stack is deleted or the resource replaced: a
    `sam delete` or a property change that forces a replacement must not wipe users' data."""
    problems = []
    for lid, res in raw["Resources"].items():
        if res.get("Type") not in STATEFUL_TYPES:
            continue
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            if res.get(policy) != "Retain":
                problems.append(f"{lid}: {policy} is {res.get(policy)!r}, not 'Retain'")
    return problems


def websocket_deployment_problems(raw: Template) -> list[str]:
    """Every WebSocket stage deploys itself (AutoDeploy): a fixed `AWS::ApiGatewayV2::Deployment` is made
    once and never again, so a stack update that changes a route or an integration would not go live."""
    resources = raw["Resources"]
    ws_apis = {lid for lid, r in resources.items() if r.get("Type") == "AWS::ApiGatewayV2::Api"
               and props(r).get("ProtocolType") == "WEBSOCKET"}
    problems = []
    stages = {lid: r for lid, r in resources.items() if r.get("Type") == "AWS::ApiGatewayV2::Stage"
              and (props(r).get("ApiId") or {}).get("Ref") in ws_apis}
    if not stages:
        problems.append("no stage for the WebSocket API")
    for lid, stage in stages.items():
        if props(stage).get("AutoDeploy") is not True:
            problems.append(f"{lid}: AutoDeploy is not true")
        if "DeploymentId" in props(stage):
            problems.append(f"{lid}: a fixed DeploymentId next to AutoDeploy")
    for lid, res in resources.items():
        if res.get("Type") == "AWS::ApiGatewayV2::Deployment" and (props(res).get("ApiId") or {}).get("Ref") in ws_apis:
            problems.append(f"{lid}: a fixed WebSocket deployment (route changes would never go live)")
    return problems


LAMBDA_MAX_TIMEOUT = 900


def log_proxy_timeout_problems(raw: Template, longest_llm_timeout: float) -> list[str]:
    """The log-proxy lives as long as the slowest LLM call it may have to wait for."""
    timeout = props(raw["Resources"]["LogProxyFunction"]).get("Timeout") \
        or raw.get("Globals", {}).get("Function", {}).get("Timeout")
    problems = []
    if not isinstance(timeout, int) or timeout > LAMBDA_MAX_TIMEOUT:
        problems.append(f"LogProxyFunction: Timeout {timeout!r} is not a number of seconds up to 900")
    elif timeout < longest_llm_timeout:
        problems.append(f"LogProxyFunction: Timeout {timeout} s is shorter than the longest LLM timeout "
                        f"allowed ({longest_llm_timeout:g} s)")
    return problems


def longest_llm_timeout(service_file: Path | None = None) -> float:
    """The largest `timeout_seconds` an admin may give an LLM, as the registry's request models bound it
    (`Field(..., le=N)` in a2g/llms/service.py; read from the source, since importing it needs settings)."""
    source = service_file or REPO / "layers" / "core" / "python" / "a2g" / "llms" / "service.py"
    limits = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == "timeout_seconds" and isinstance(node.value, ast.Call):
            limits += [float(ast.literal_eval(k.value)) for k in node.value.keywords if k.arg in ("le", "lt")]
    if not limits:
        raise AssertionError(f"timeout_seconds has no upper bound in {source}")
    return max(limits)
