"""Check the template's IAM policies against what the functions really do.

Runs end-to-end tests against the local runtime with every AWS call recorded and attributed to the function
that made it (iam_audit_hook.py, loaded through an overlay of the project's virtualenv, so nothing in the
project changes), then checks each call against the function's role as the SAM transform expands it:

    .venv/bin/python infrastructure/deploy/iam_audit.py                 # the domain e2e suites (slow)
    .venv/bin/python infrastructure/deploy/iam_audit.py tests/e2e/chat  # some of them
    .venv/bin/python infrastructure/deploy/iam_audit.py --recorded DIR  # calls recorded earlier

A call the role does not allow would fail on AWS with AccessDenied: the audit exits 1 and names it. Tables and
buckets a role may use but no test touched are listed too (a hint at an over-grant, or at an untested path).
"""

from __future__ import annotations

import argparse
import copy
import fnmatch
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "infrastructure" / "local"))

from a2g_local.cfn import load_yaml
from a2g_local.template import bucket_name, table_name

DEFAULT_TARGETS = ["tests/e2e/identity", "tests/e2e/agents", "tests/e2e/chat", "tests/e2e/tracing",
                   "tests/e2e/operations"]
# boto3 operation -> the IAM action it needs (the rest are named alike: dynamodb:GetItem ...).
S3_ACTIONS = {"HeadObject": "s3:GetObject", "GetObject": "s3:GetObject", "PutObject": "s3:PutObject",
              "DeleteObject": "s3:DeleteObject", "ListObjectsV2": "s3:ListBucket"}
SERVICE_ACTIONS = {("apigatewaymanagementapi", "PostToConnection"): "execute-api:ManageConnections"}


@dataclass(frozen=True)
class Call:
    function: str
    service: str
    action: str  # the boto3 operation, per item for transactions and batches
    resource: str  # the logical id of the table or bucket ("" for the management API)
    detail: str  # an index name or an object key


@dataclass(frozen=True)
class Grant:
    actions: frozenset[str]
    resource: str  # table or bucket logical id, "*" for any
    scope: str  # "table", "index", "bucket", "object:<key pattern>", "any"


# ---- the roles ---------------------------------------------------------------------------------------------

def _transformed(raw: dict[str, Any]) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    doc = copy.deepcopy(raw)
    for lid, res in doc["Resources"].items():
        props = res.get("Properties") or {}
        if res["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = f"s3://audit/{lid}.zip"
        if res["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = f"s3://audit/{lid}.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return dict(transform(doc, {}, NoManagedPolicies()))


def _resource(value: Any) -> tuple[str, str]:
    """(logical id, scope) of a policy Resource as SAM writes it."""
    if value == "*":
        return "*", "any"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0]), "bucket"
    sub = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(sub, list):  # ["arn:...:table/${tableName}[/index/*]", {"tableName": {"Ref": "X"}}]
        text, names = sub
        ref = next((v.get("Ref") for v in names.values() if isinstance(v, dict) and "Ref" in v), "")
        return str(ref), "index" if text.endswith("/index/*") else "table"
    if isinstance(sub, str) and sub.startswith("${") and ".Arn}/" in sub:  # "${FilesBucket.Arn}/files/*"
        logical, _, pattern = sub[2:].partition(".Arn}/")
        return logical, f"object:{pattern}"
    if isinstance(sub, str) and "execute-api" in sub:
        return "WebSocketApi", "any"
    if isinstance(sub, str) and ":ssm:" in sub:  # the LLM key parameters; calls are recorded without a name
        return "SsmParameters", "any"
    return str(value), "unknown"


def granted(raw: dict[str, Any], transformed: dict[str, Any] | None = None) -> dict[str, list[Grant]]:
    """Each function's rights as its expanded role states them."""
    transformed = transformed or _transformed(raw)
    resources = transformed["Resources"]
    out: dict[str, list[Grant]] = {}
    for lid, res in resources.items():
        if res["Type"] != "AWS::Lambda::Function" or lid not in raw["Resources"]:
            continue
        role_ref = res["Properties"]["Role"]
        role = resources[role_ref["Fn::GetAtt"][0]]["Properties"]
        grants = []
        for policy in role.get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement.get("Effect", "Allow") != "Allow":
                    continue
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                for target in targets:
                    logical, scope = _resource(target)
                    grants.append(Grant(frozenset(actions), logical, scope))
        out[lid] = grants
    return out


def required_action(call: Call) -> str:
    if call.service == "dynamodb":
        return f"dynamodb:{call.action}"
    if call.service == "s3":
        return S3_ACTIONS.get(call.action, f"s3:{call.action}")
    return SERVICE_ACTIONS.get((call.service, call.action), f"{call.service}:{call.action}")


def allows(grant: Grant, call: Call) -> bool:
    action = required_action(call)
    if action not in grant.actions and "*" not in grant.actions:
        return False
    if grant.scope == "any":
        return True
    if grant.resource != call.resource:
        return False
    if call.service == "dynamodb":
        return grant.scope == ("index" if call.detail else "table")
    if call.service == "s3" and action != "s3:ListBucket":
        return grant.scope.startswith("object:") and fnmatch.fnmatchcase(call.detail, grant.scope[7:])
    return grant.scope == "bucket"


def missing(calls: list[Call], grants: dict[str, list[Grant]]) -> list[Call]:
    """The calls no statement of the function's role allows: AccessDenied on AWS."""
    return sorted({c for c in calls if not any(allows(g, c) for g in grants.get(c.function, []))},
                  key=lambda c: (c.function, c.service, c.resource, c.action))


def unused(calls: list[Call], grants: dict[str, list[Grant]]) -> dict[str, list[str]]:
    """Tables and buckets a role may use that no recorded call of that function touched."""
    touched: dict[str, set[str]] = {}
    for call in calls:
        touched.setdefault(call.function, set()).add(call.resource)
    out = {}
    for function, function_grants in grants.items():
        if function not in touched:  # never invoked by the tests: nothing to say
            continue
        resources = {g.resource for g in function_grants if g.scope != "any" and g.resource not in ("", "*")}
        idle = sorted(resources - touched[function] - {"WebSocketApi"})
        if idle:
            out[function] = idle
    return out


# ---- recordings --------------------------------------------------------------------------------------------

def read_calls(folder: Path, raw: dict[str, Any]) -> tuple[list[Call], list[dict[str, Any]]]:
    """Attributed calls (local names mapped back to logical ids), and the calls no function could be named for."""
    names = {}
    for lid, res in raw["Resources"].items():
        if res.get("Type") == "AWS::DynamoDB::Table":
            names[table_name(lid)] = lid
        if res.get("Type") == "AWS::S3::Bucket":
            names[bucket_name(lid)] = lid
    calls, unattributed = [], []
    for path in sorted(folder.glob("calls-*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row["function"] is None:
                if row.get("where"):  # a2g code outside any invocation; the runtime's own setup has none
                    unattributed.append(row)
                continue
            calls.append(Call(row["function"], row["service"], row["action"],
                              names.get(row["resource"], row["resource"]), row["detail"]))
    return calls, unattributed


def overlay_python(folder: Path) -> Path:
    """A virtualenv that sees the project's packages and loads the recording hook when IAM_AUDIT_DIR is set."""
    venv = folder / "venv"
    if not (venv / "bin" / "python").exists():
        home = next(line.split("=", 1)[1].strip() for line in (REPO / ".venv" / "pyvenv.cfg").read_text().splitlines()
                    if line.startswith("home"))
        subprocess.run([str(Path(home) / "python3"), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    project_site = next((REPO / ".venv" / "lib").glob("python3*/site-packages"))
    (site / "a2g_project.pth").write_text(f"import site; site.addsitedir({str(project_site)!r})\n")
    shutil.copy(Path(__file__).with_name("iam_audit_hook.py"), site / "iam_audit_hook.py")
    (site / "zz_iam_audit.pth").write_text("import iam_audit_hook\n")
    return venv / "bin" / "python"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("targets", nargs="*", default=DEFAULT_TARGETS, help="pytest targets (e2e tests)")
    parser.add_argument("--recorded", help="analyse calls recorded earlier in this folder; run nothing")
    parser.add_argument("--out", default=str(REPO / ".build" / "iam-audit"))
    args = parser.parse_args()
    raw = load_yaml((REPO / "template.yaml").read_text())
    if args.recorded:
        folder = Path(args.recorded)
    else:
        out = Path(args.out)
        folder = out / "calls"
        shutil.rmtree(folder, ignore_errors=True)
        python = overlay_python(out)
        env = {**os.environ, "IAM_AUDIT_DIR": str(folder)}
        done = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.targets],
                              cwd=REPO, env=env, check=False)
        if done.returncode != 0:
            print("warning: some tests failed; the calls they made are still checked", file=sys.stderr)
    calls, unattributed = read_calls(folder, raw)
    grants = granted(raw)
    denied = missing(calls, grants)
    by_function: dict[str, set[str]] = defaultdict(set)
    for call in calls:
        by_function[call.function].add(f"{required_action(call)} {call.resource}{'/index' if call.detail and call.service == 'dynamodb' else ''}")
    for function in sorted(by_function):
        print(f"{function}: " + ", ".join(sorted(by_function[function])))
    for function, idle in unused(calls, grants).items():
        print(f"  {function} may use {', '.join(idle)} but no recorded call did")
    if unattributed:
        print(f"{len(unattributed)} calls made outside any invocation (not checked): "
              + ", ".join(sorted({f"{r['action']} from {r['where'][0]}" for r in unattributed})))
    if denied:
        print("DENIED on AWS (not allowed by the function's role):")
        for call in denied:
            print(f"  {call.function}: {required_action(call)} on {call.resource} {call.detail}")
        return 1
    print(f"{len(set(calls))} distinct calls of {len(by_function)} functions: all allowed by their roles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
