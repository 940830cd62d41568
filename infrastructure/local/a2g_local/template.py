"""Reads a SAM template into what the local runtime serves: functions, HTTP routes and their authorizers,
the WebSocket API and its routes, schedules, tables and buckets.

Every problem is a `TemplateError` that names the resource, found at start rather than on the first request.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from a2g_local.cfn import NO_VALUE, IntrinsicError, Resolver, Unresolved, load_yaml
from a2g_local.schedule_expr import Schedule, ScheduleError, parse_schedule

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
STACK_NAME = "a2g-local"
LOCAL_API_ID = "local"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


class TemplateError(ValueError):
    """The template cannot be served; the message names the resource."""

    def __init__(self, resource: str | None, message: str):
        self.resource = resource
        super().__init__(f"{resource}: {message}" if resource else message)


@dataclass
class FunctionDef:
    logical_id: str
    code_dir: Path
    handler: str  # "app.handler"
    module_path: Path  # code_dir / "app.py"
    handler_attr: str  # "handler"
    timeout: float
    memory_mb: int
    environment: dict[str, str]
    streaming: bool  # FunctionUrlConfig.InvokeMode RESPONSE_STREAM: served through its ASGI `app`
    missing: str | None = None  # why the function cannot be loaded (only in lenient mode)

    @property
    def arn(self) -> str:
        return function_arn(self.logical_id)


@dataclass
class HttpAuthorizerDef:
    name: str
    function: str  # logical id
    identity_headers: list[str]  # lower-cased; empty: no identity source check
    identity_query: list[str]
    payload_version: str
    simple_responses: bool


@dataclass
class HttpRouteDef:
    method: str  # upper case or ANY
    path: str  # "/api/x/{id}" or "/api/{proxy+}"
    function: str
    event_name: str
    authorizer: HttpAuthorizerDef | None
    streaming: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class WsAuthorizerDef:
    logical_id: str
    function: str
    identity_sources: list[str]  # e.g. ["route.request.querystring.token"]


@dataclass
class WsRouteDef:
    route_key: str
    function: str
    authorizer: WsAuthorizerDef | None
    two_way: bool  # RouteResponseSelectionExpression set: the function's body goes back to the caller


@dataclass
class WebSocketApiDef:
    logical_id: str
    route_selection_expression: str
    stage: str
    routes: dict[str, WsRouteDef] = field(default_factory=dict)


@dataclass
class ScheduleDef:
    name: str  # the rule name (Name property, or <Function><Event>)
    function: str
    event_name: str
    expression: str
    schedule: Schedule
    enabled: bool
    input: str | None  # a constant JSON input replaces the scheduled event

    @property
    def rule_arn(self) -> str:
        return f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self.name}"


@dataclass
class TableDef:
    logical_id: str
    name: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    global_secondary_indexes: list[dict[str, Any]]
    local_secondary_indexes: list[dict[str, Any]]
    ttl_attribute: str | None


@dataclass
class BucketDef:
    logical_id: str
    name: str
    cors_rules: list[dict[str, Any]]


@dataclass
class Template:
    path: Path
    root: Path
    parameters: dict[str, Any]
    functions: dict[str, FunctionDef]
    http_routes: list[HttpRouteDef]
    cors: dict[str, Any] | None
    websocket: WebSocketApiDef | None
    schedules: list[ScheduleDef]
    tables: dict[str, TableDef]
    buckets: dict[str, BucketDef]
    layer_paths: list[Path]
    environment: dict[str, str]  # Globals + every function's variables, resolved
    environment_conflicts: list[str]
    missing_functions: list[str]


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{logical_id}"


def table_name(logical_id: str) -> str:
    return f"a2g-{logical_id}"


def bucket_name(logical_id: str) -> str:
    return re.sub(r"[^a-z0-9.-]", "-", f"a2g-{logical_id.lower()}")[:63]


_FUNCTION_IN_ARN = re.compile(r"function:([A-Za-z0-9_-]+)")


def load_template(
    path: str | os.PathLike[str],
    *,
    environ: dict[str, str] | None = None,
    allow_missing_functions: bool = False,
    local_url: str = "http://127.0.0.1:3000",
) -> Template:
    """Parse and check a SAM template. `environ` overrides parameter defaults by parameter name."""
    path = Path(path).resolve()
    if not path.is_file():
        raise TemplateError(None, f"template not found: {path}")
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError) as exc:
        raise TemplateError(None, f"{path.name} is not valid YAML: {exc}") from None
    return _Builder(path, doc, environ if environ is not None else dict(os.environ),
                    allow_missing_functions, local_url).build()


class _Builder:
    def __init__(self, path: Path, doc: dict[str, Any], environ: dict[str, str], lenient: bool, local_url: str):
        self.path = path
        self.root = path.parent
        self.doc = doc
        self.environ = environ
        self.lenient = lenient
        self.local_url = local_url
        self.resources: dict[str, dict[str, Any]] = doc.get("Resources") or {}
        if not isinstance(self.resources, dict) or not self.resources:
            raise TemplateError(None, "the template has no Resources")
        for logical_id, res in self.resources.items():
            if not isinstance(res, dict) or "Type" not in res:
                raise TemplateError(logical_id, "a resource needs a Type")
        self.parameters = self._parameters()
        self.resolver = Resolver(
            parameters=self.parameters,
            pseudo={
                "AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::StackName": STACK_NAME,
                "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/local",
                "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NotificationARNs": [],
            },
            ref=self._ref, getatt=self._getatt,
            conditions=doc.get("Conditions"), mappings=doc.get("Mappings"),
        )
        self.globals = (doc.get("Globals") or {}).get("Function") or {}

    # -- intrinsic callbacks ---------------------------------------------------------------------------
    def _resource(self, logical_id: str) -> dict[str, Any]:
        if logical_id not in self.resources:
            raise IntrinsicError(f"reference to unknown resource or parameter {logical_id!r}")
        return self.resources[logical_id]

    def _ref(self, logical_id: str) -> Any:
        res = self._resource(logical_id)
        kind = res["Type"]
        props = res.get("Properties") or {}
        if kind == "AWS::DynamoDB::Table":
            explicit = props.get("TableName")
            return self.resolver.resolve(explicit) if explicit else table_name(logical_id)
        if kind == "AWS::S3::Bucket":
            explicit = props.get("BucketName")
            return self.resolver.resolve(explicit) if explicit else bucket_name(logical_id)
        if kind in ("AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::Api"):
            return LOCAL_API_ID
        if kind == "AWS::Serverless::LayerVersion":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{logical_id}:1"
        return logical_id

    def _getatt(self, logical_id: str, attribute: str) -> Any:
        res = self._resource(logical_id)
        kind = res["Type"]
        if attribute == "Arn":
            if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
                return function_arn(logical_id)
            if kind == "AWS::DynamoDB::Table":
                return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{self._ref(logical_id)}"
            if kind == "AWS::S3::Bucket":
                return f"arn:aws:s3:::{self._ref(logical_id)}"
            return f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{logical_id}"
        if attribute in ("ApiEndpoint",):
            return self.local_url
        if attribute == "FunctionUrl":
            return self.local_url + "/"
        if attribute in ("DomainName", "RegionalDomainName"):
            return self.local_url.split("://", 1)[-1]
        return Unresolved(f"{logical_id}.{attribute}")

    # -- pieces ----------------------------------------------------------------------------------------
    def _parameters(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, spec in (self.doc.get("Parameters") or {}).items():
            spec = spec or {}
            if name in self.environ:
                values[name] = self.environ[name]
            elif "Default" in spec:
                values[name] = spec["Default"]
            else:
                values[name] = Unresolved(f"parameter {name}")
        return values

    def resolve(self, resource: str, value: Any) -> Any:
        try:
            return self.resolver.resolve(value)
        except (IntrinsicError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise TemplateError(resource, f"cannot resolve {value!r}: {exc}") from None

    def build(self) -> Template:
        functions: dict[str, FunctionDef] = {}
        missing: list[str] = []
        layer_paths = self._layers()
        for logical_id, res in self.resources.items():
            if res["Type"] in ("AWS::Serverless::Function",):
                fn = self._function(logical_id, res)
                functions[logical_id] = fn
                if fn.missing:
                    missing.append(logical_id)
        self.functions = functions
        routes, cors = self._http_routes()
        websocket = self._websocket()
        schedules = self._schedules()
        tables = self._tables()
        buckets = self._buckets()
        environment, conflicts = self._environment()
        return Template(
            path=self.path, root=self.root, parameters=self.parameters, functions=functions,
            http_routes=routes, cors=cors, websocket=websocket, schedules=schedules, tables=tables,
            buckets=buckets, layer_paths=layer_paths, environment=environment,
            environment_conflicts=conflicts, missing_functions=missing,
        )

    def _layers(self) -> list[Path]:
        paths: list[Path] = []
        for logical_id, res in self.resources.items():
            if res["Type"] in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
                props = res.get("Properties") or {}
                uri = props.get("ContentUri") or (props.get("Content") or {})
                if not isinstance(uri, str):
                    continue
                base = (self.root / uri).resolve()
                if not base.is_dir():
                    raise TemplateError(logical_id, f"ContentUri folder {uri!r} does not exist ({base})")
                # Lambda puts a Python layer's `python/` folder on sys.path (/opt/python).
                path = base / "python" if (base / "python").is_dir() else base
                if path not in paths:  # several layers may be built from one folder
                    paths.append(path)
        return paths

    def _merged(self, props: dict[str, Any], key: str) -> Any:
        return props[key] if key in props else self.globals.get(key)

    def _function(self, logical_id: str, res: dict[str, Any]) -> FunctionDef:
        props = res.get("Properties") or {}
        code_uri = self._merged(props, "CodeUri")
        handler = self._merged(props, "Handler")
        if props.get("InlineCode"):
            raise TemplateError(logical_id, "InlineCode is not supported locally; use a CodeUri folder")
        if not isinstance(code_uri, str):
            raise TemplateError(logical_id, "CodeUri must be a local folder")
        if not isinstance(handler, str) or "." not in handler:
            raise TemplateError(logical_id, f"Handler must look like module.function, got {handler!r}")
        code_dir = (self.root / code_uri).resolve()
        url_config = props.get("FunctionUrlConfig") or {}
        streaming = self.resolve(logical_id, url_config.get("InvokeMode", "BUFFERED")) == "RESPONSE_STREAM"
        module_name, handler_attr = handler.rsplit(".", 1)
        module_path = code_dir / (module_name.replace(".", "/") + ".py")
        web_adapter = streaming and handler.endswith(".sh")
        if web_adapter:
            # The Lambda Web Adapter's shape: the Handler is a start script (run.sh runs uvicorn on `app:app`).
            # Locally the streaming path serves that same ASGI `app` of app.py, in process.
            module_path, handler_attr = code_dir / "app.py", "handler"
        problem = None
        if not code_dir.is_dir():
            problem = f"CodeUri folder {code_uri!r} does not exist ({code_dir})"
        elif web_adapter and not (code_dir / handler).is_file():
            problem = f"start script {handler!r} (Handler) is missing in {code_uri}"
        elif not module_path.is_file():
            problem = f"handler module {module_path.name!r} for Handler {handler!r} is missing in {code_uri}"
        if problem and not self.lenient:
            raise TemplateError(logical_id, problem)
        env = {}
        fn_vars = ((props.get("Environment") or {}).get("Variables")) or {}
        for name, value in fn_vars.items():
            env[name] = self.resolve(logical_id, value)
        return FunctionDef(
            logical_id=logical_id, code_dir=code_dir, handler=handler, module_path=module_path,
            handler_attr=handler_attr, timeout=float(self.resolve(logical_id, self._merged(props, "Timeout") or 3)),
            memory_mb=int(self.resolve(logical_id, self._merged(props, "MemorySize") or 128)),
            environment={k: v for k, v in env.items() if not isinstance(v, Unresolved) and v is not NO_VALUE},
            streaming=streaming, missing=problem,
        )

    def _http_apis(self) -> dict[str, dict[str, Any]]:
        apis = {}
        http_globals = (self.doc.get("Globals") or {}).get("HttpApi") or {}
        for logical_id, res in self.resources.items():
            if res["Type"] == "AWS::Serverless::HttpApi":
                props = dict(http_globals)
                props.update(res.get("Properties") or {})
                apis[logical_id] = props
        return apis

    def _http_authorizers(self, api_id: str, props: dict[str, Any]) -> dict[str, HttpAuthorizerDef]:
        out = {}
        auth = props.get("Auth") or {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            where = f"{api_id}.Auth.Authorizers.{name}"
            if "FunctionArn" not in spec:
                raise TemplateError(where, "only Lambda authorizers (FunctionArn) are supported locally")
            arn = self.resolve(where, spec["FunctionArn"])
            function = self._function_from_arn(where, arn)
            identity = spec.get("Identity") or {}
            out[name] = HttpAuthorizerDef(
                name=name, function=function,
                identity_headers=[h.lower() for h in identity.get("Headers") or []],
                identity_query=list(identity.get("QueryStrings") or []),
                payload_version=str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
                simple_responses=bool(spec.get("EnableSimpleResponses", False)),
            )
        return out

    def _function_from_arn(self, where: str, arn: Any) -> str:
        match = _FUNCTION_IN_ARN.search(str(arn)) if not isinstance(arn, Unresolved) else None
        if not match or match.group(1) not in self.functions:
            raise TemplateError(where, f"does not point at a function of this template ({arn})")
        return match.group(1)

    def _http_routes(self) -> tuple[list[HttpRouteDef], dict[str, Any] | None]:
        apis = self._http_apis()
        authorizers = {api: self._http_authorizers(api, props) for api, props in apis.items()}
        cors = None
        for props in apis.values():
            if props.get("CorsConfiguration"):
                cors = self.resolve("HttpApi.CorsConfiguration", props["CorsConfiguration"])
        routes: list[HttpRouteDef] = []
        seen: dict[str, str] = {}
        for fn_id, fn in self.functions.items():
            events = ((self.resources[fn_id].get("Properties") or {}).get("Events")) or {}
            for event_name, event in events.items():
                where = f"{fn_id}.Events.{event_name}"
                if not isinstance(event, dict) or event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                api_ref = props.get("ApiId")
                api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
                if api_ref is not None and api_id not in apis:
                    raise TemplateError(where, f"ApiId {api_ref!r} is not an AWS::Serverless::HttpApi of this template")
                if api_id is None and len(apis) == 1:
                    api_id = next(iter(apis))
                path = self.resolve(where, props.get("Path"))
                method = str(self.resolve(where, props.get("Method", "ANY"))).upper()
                if not isinstance(path, str) or not path.startswith("/"):
                    raise TemplateError(where, f"Path must start with '/', got {path!r}")
                if method not in HTTP_METHODS:
                    raise TemplateError(where, f"unknown Method {method!r}")
                _check_path(where, path)
                auth_name = (props.get("Auth") or {}).get("Authorizer")
                api_props = apis.get(api_id or "", {})
                if auth_name is None:
                    auth_name = (api_props.get("Auth") or {}).get("DefaultAuthorizer")
                authorizer = None
                if auth_name and auth_name != "NONE":
                    found = authorizers.get(api_id or "", {}).get(auth_name)
                    if found is None:
                        raise TemplateError(where, f"authorizer {auth_name!r} is not defined on {api_id}")
                    authorizer = found
                key = f"{method} {path}"
                if key in seen:
                    raise TemplateError(where, f"route {key} is also defined by {seen[key]}")
                seen[key] = where
                routes.append(HttpRouteDef(method, path, fn_id, event_name, authorizer, fn.streaming))
        return routes, cors

    def _websocket(self) -> WebSocketApiDef | None:
        apis = [lid for lid, r in self.resources.items()
                if r["Type"] == "AWS::ApiGatewayV2::Api"
                and str((r.get("Properties") or {}).get("ProtocolType", "")).upper() == "WEBSOCKET"]
        if not apis:
            return None
        if len(apis) > 1:
            raise TemplateError(apis[1], "the local runtime serves one WebSocket API at /ws")
        api_id = apis[0]
        props = self.resources[api_id].get("Properties") or {}
        expression = str(self.resolve(api_id, props.get("RouteSelectionExpression", "$request.body.action")))
        if not expression.startswith("$request.body."):
            raise TemplateError(api_id, f"RouteSelectionExpression {expression!r} is not $request.body.<field>")
        stage = "$default"
        for lid, res in self.resources.items():
            rp = res.get("Properties") or {}
            if res["Type"] == "AWS::ApiGatewayV2::Stage" and _refs(rp.get("ApiId"), api_id):
                stage = str(self.resolve(lid, rp.get("StageName", "$default")))
        api = WebSocketApiDef(api_id, expression, stage)
        for lid, res in self.resources.items():
            rp = res.get("Properties") or {}
            if res["Type"] != "AWS::ApiGatewayV2::Route" or not _refs(rp.get("ApiId"), api_id):
                continue
            route_key = str(self.resolve(lid, rp.get("RouteKey")))
            target = self.resolve(lid, rp.get("Target"))
            if not isinstance(target, str) or not target.startswith("integrations/"):
                raise TemplateError(lid, f"Target must be integrations/<Integration>, got {target!r}")
            integration_id = target.split("/", 1)[1]
            integration = self.resources.get(integration_id)
            if not integration or integration["Type"] != "AWS::ApiGatewayV2::Integration":
                raise TemplateError(lid, f"Target {target!r} names no AWS::ApiGatewayV2::Integration")
            uri = self.resolve(integration_id, (integration.get("Properties") or {}).get("IntegrationUri"))
            function = self._function_from_arn(f"{lid} -> {integration_id}.IntegrationUri", uri)
            authorizer = None
            if rp.get("AuthorizerId") is not None and str(rp.get("AuthorizationType", "CUSTOM")).upper() == "CUSTOM":
                auth_id = self.resolve(lid, rp["AuthorizerId"])
                auth_res = self.resources.get(str(auth_id))
                if not auth_res or auth_res["Type"] != "AWS::ApiGatewayV2::Authorizer":
                    raise TemplateError(lid, f"AuthorizerId {auth_id!r} names no AWS::ApiGatewayV2::Authorizer")
                ap = auth_res.get("Properties") or {}
                auth_uri = self.resolve(str(auth_id), ap.get("AuthorizerUri"))
                authorizer = WsAuthorizerDef(
                    logical_id=str(auth_id),
                    function=self._function_from_arn(f"{auth_id}.AuthorizerUri", auth_uri),
                    identity_sources=[str(s) for s in self.resolve(str(auth_id), ap.get("IdentitySource") or [])],
                )
            if route_key in api.routes:
                raise TemplateError(lid, f"route {route_key} is defined twice")
            api.routes[route_key] = WsRouteDef(
                route_key, function, authorizer, bool(rp.get("RouteResponseSelectionExpression")),
            )
        return api

    def _schedules(self) -> list[ScheduleDef]:
        out: list[ScheduleDef] = []
        names: dict[str, str] = {}
        for fn_id in self.functions:
            events = ((self.resources[fn_id].get("Properties") or {}).get("Events")) or {}
            for event_name, event in events.items():
                if not isinstance(event, dict) or event.get("Type") not in ("Schedule", "ScheduleV2"):
                    continue
                where = f"{fn_id}.Events.{event_name}"
                props = event.get("Properties") or {}
                expr_src = props.get("Schedule") if event["Type"] == "Schedule" else props.get("ScheduleExpression")
                expression = self.resolve(where, expr_src)
                if isinstance(expression, Unresolved) or not expression:
                    raise TemplateError(where, "the schedule expression has no value")
                try:
                    schedule = parse_schedule(str(expression))
                except ScheduleError as exc:
                    raise TemplateError(where, f"bad schedule expression: {exc}") from None
                name = self.resolve(where, props.get("Name")) if props.get("Name") else f"{fn_id}{event_name}"
                enabled = props.get("Enabled", True)
                state = props.get("State")
                if state is not None:
                    enabled = str(self.resolve(where, state)).upper() == "ENABLED"
                input_value = props.get("Input")
                out.append(ScheduleDef(
                    name=str(name), function=fn_id, event_name=event_name, expression=str(expression),
                    schedule=schedule, enabled=bool(self.resolve(where, enabled)),
                    input=str(self.resolve(where, input_value)) if input_value is not None else None,
                ))
                if str(name) in names:
                    raise TemplateError(where, f"schedule name {name!r} is also used by {names[str(name)]}")
                names[str(name)] = where
        for lid, res in self.resources.items():
            if res["Type"] != "AWS::Events::Rule":
                continue
            props = res.get("Properties") or {}
            if not props.get("ScheduleExpression"):
                continue
            expression = str(self.resolve(lid, props["ScheduleExpression"]))
            try:
                schedule = parse_schedule(expression)
            except ScheduleError as exc:
                raise TemplateError(lid, f"bad schedule expression: {exc}") from None
            for i, target in enumerate(props.get("Targets") or []):
                arn = self.resolve(lid, target.get("Arn"))
                match = _FUNCTION_IN_ARN.search(str(arn))
                if not match or match.group(1) not in self.functions:
                    continue
                name = str(self.resolve(lid, props.get("Name", lid)))
                out.append(ScheduleDef(
                    name=name if i == 0 else f"{name}-{i}", function=match.group(1), event_name=lid,
                    expression=expression, schedule=schedule,
                    enabled=str(props.get("State", "ENABLED")).upper() == "ENABLED",
                    input=str(self.resolve(lid, target["Input"])) if "Input" in target else None,
                ))
        return out

    def _tables(self) -> dict[str, TableDef]:
        out = {}
        for lid, res in self.resources.items():
            if res["Type"] != "AWS::DynamoDB::Table":
                continue
            props = self.resolve(lid, res.get("Properties") or {})
            if not props.get("KeySchema"):
                raise TemplateError(lid, "a table needs a KeySchema")
            ttl = props.get("TimeToLiveSpecification") or {}
            name = str(self._ref(lid))
            if len(name) < 3:
                raise TemplateError(lid, f"table name {name!r} is shorter than 3 characters")
            out[lid] = TableDef(
                logical_id=lid, name=name, key_schema=props["KeySchema"],
                attribute_definitions=props.get("AttributeDefinitions") or [],
                global_secondary_indexes=props.get("GlobalSecondaryIndexes") or [],
                local_secondary_indexes=props.get("LocalSecondaryIndexes") or [],
                ttl_attribute=ttl.get("AttributeName") if _truthy(ttl.get("Enabled")) else None,
            )
        return out

    def _buckets(self) -> dict[str, BucketDef]:
        out = {}
        for lid, res in self.resources.items():
            if res["Type"] != "AWS::S3::Bucket":
                continue
            props = self.resolve(lid, res.get("Properties") or {})
            out[lid] = BucketDef(lid, str(self._ref(lid)), ((props.get("CorsConfiguration") or {}).get("CorsRules")) or [])
        return out

    def _environment(self) -> tuple[dict[str, str], list[str]]:
        env: dict[str, str] = {}
        variables = ((self.globals.get("Environment") or {}).get("Variables")) or {}
        for name, value in variables.items():
            resolved = self.resolve(f"Globals.Function.Environment.{name}", value)
            if not isinstance(resolved, Unresolved) and resolved is not NO_VALUE:
                env[name] = _env_text(resolved)
        conflicts = []
        owner: dict[str, str] = {}
        for fn in self.functions.values():
            for name, value in fn.environment.items():
                text = _env_text(value)
                if name in owner and env.get(name) != text:
                    conflicts.append(f"{name}: {owner[name]} and {fn.logical_id} set different values")
                env[name] = text
                owner[name] = fn.logical_id
        return env, conflicts


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _refs(value: Any, logical_id: str) -> bool:
    return isinstance(value, dict) and value.get("Ref") == logical_id


def _check_path(where: str, path: str) -> None:
    segments = path.strip("/").split("/") if path != "/" else []
    for i, seg in enumerate(segments):
        if seg.startswith("{") and seg.endswith("}"):
            name = seg[1:-1]
            if name.endswith("+") and i != len(segments) - 1:
                raise TemplateError(where, f"greedy parameter {seg} must be the last segment of {path}")
            if not re.fullmatch(r"[A-Za-z0-9_.-]+\+?", name):
                raise TemplateError(where, f"bad path parameter {seg} in {path}")
        elif "{" in seg or "}" in seg:
            raise TemplateError(where, f"a path parameter must be a whole segment: {seg!r} in {path}")
