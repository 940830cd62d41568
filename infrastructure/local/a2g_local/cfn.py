"""CloudFormation YAML: the short-form tags (`!Ref`, `!Sub`, `!GetAtt`, ...) and the intrinsic functions the
local runtime needs to resolve (parameters, pseudo parameters, resource names, ARNs, conditions).

Tags are loaded into their long form (`{"Fn::Sub": ...}`) so the resolver only knows one spelling.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Sub": "Fn::Sub",
    "GetAtt": "Fn::GetAtt",
    "Join": "Fn::Join",
    "If": "Fn::If",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "Select": "Fn::Select",
    "Split": "Fn::Split",
    "FindInMap": "Fn::FindInMap",
    "Base64": "Fn::Base64",
    "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs",
    "Cidr": "Fn::Cidr",
    "Transform": "Fn::Transform",
    "ToJsonString": "Fn::ToJsonString",
    "Length": "Fn::Length",
}


class CfnLoader(yaml.SafeLoader):
    """A SafeLoader that understands CloudFormation's short-form intrinsic function tags."""


def _make_constructor(long_name: str) -> Callable[[yaml.Loader, yaml.Node], Any]:
    def construct(loader: yaml.Loader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}

    return construct


for _short, _long in _TAGS.items():
    CfnLoader.add_constructor(f"!{_short}", _make_constructor(_long))


def load_yaml(text: str) -> dict[str, Any]:
    data = yaml.load(text, Loader=CfnLoader)
    if not isinstance(data, dict):
        raise ValueError("the template is not a YAML mapping")  # noqa: TRY004 - a content error, not a type error
    return data


class Unresolved:
    """A value that cannot be known locally (a parameter without default, an import from another stack).

    Environment variables whose value is unresolved are left out instead of being set to nonsense.
    """

    def __init__(self, what: str):
        self.what = what

    def __repr__(self) -> str:
        return f"<unresolved {self.what}>"

    def __str__(self) -> str:
        return f"<unresolved {self.what}>"


NO_VALUE = object()  # AWS::NoValue: the key disappears


class IntrinsicError(ValueError):
    pass


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against local values.

    `ref` maps a logical id (parameter or resource) to what `Ref` returns; `getatt` answers `Fn::GetAtt`.
    """

    def __init__(
        self,
        *,
        parameters: Mapping[str, Any],
        pseudo: Mapping[str, Any],
        ref: Callable[[str], Any],
        getatt: Callable[[str, str], Any],
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
    ):
        self.parameters = parameters
        self.pseudo = pseudo
        self._ref = ref
        self._getatt = getatt
        self._conditions_src = dict(conditions or {})
        self._conditions: dict[str, bool] = {}
        self.mappings = mappings or {}

    # -- public ----------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if key == "Ref":
                    return self.ref(arg)
                if key == "Condition" and isinstance(arg, str):
                    return self.condition(arg)
                if key.startswith("Fn::"):
                    return self._fn(key, arg)
            out = {}
            for k, v in value.items():
                r = self.resolve(v)
                if r is not NO_VALUE:
                    out[k] = r
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        return value

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise IntrinsicError(f"Ref needs a name, got {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self._ref(name)

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._conditions_src:
                raise IntrinsicError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self.resolve(self._conditions_src[name]))
        return self._conditions[name]

    # -- functions -------------------------------------------------------------------------------
    def _fn(self, key: str, arg: Any) -> Any:
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else list(arg)
            if len(parts) != 2:
                raise IntrinsicError(f"Fn::GetAtt needs Resource.Attribute, got {arg!r}")
            return self._getatt(str(parts[0]), str(self.resolve(parts[1])))
        if key == "Fn::Join":
            sep, items = arg
            items = self.resolve(items)
            if any(isinstance(i, Unresolved) for i in items):
                return Unresolved("Fn::Join")
            return str(self.resolve(sep)).join(_text(i) for i in items)
        if key == "Fn::If":
            cond, yes, no = arg
            return self.resolve(yes if self.condition(cond) else no)
        if key == "Fn::Equals":
            a, b = (self.resolve(v) for v in arg)
            return _text(a) == _text(b)
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Fn::And":
            return all(self._truth(c) for c in arg)
        if key == "Fn::Or":
            return any(self._truth(c) for c in arg)
        if key == "Fn::Select":
            index, items = arg
            items = self.resolve(items)
            return items[int(self.resolve(index))]
        if key == "Fn::Split":
            sep, text = arg
            text = self.resolve(text)
            if isinstance(text, Unresolved):
                return text
            return str(text).split(str(self.resolve(sep)))
        if key == "Fn::FindInMap":
            name, top, second = (self.resolve(v) for v in arg)
            return self.mappings[name][top][second]
        if key == "Fn::Base64":
            return base64.b64encode(_text(self.resolve(arg)).encode()).decode()
        if key == "Fn::ToJsonString":
            return json.dumps(self.resolve(arg), separators=(",", ":"))
        if key == "Fn::Length":
            return len(self.resolve(arg))
        if key == "Fn::GetAZs":
            region = self.pseudo.get("AWS::Region", "us-east-1")
            return [f"{region}a", f"{region}b", f"{region}c"]
        if key in ("Fn::ImportValue", "Fn::Cidr", "Fn::Transform"):
            return Unresolved(key)
        raise IntrinsicError(f"unsupported intrinsic function {key}")

    def _truth(self, value: Any) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        return bool(self.resolve(value))

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            raise IntrinsicError(f"Fn::Sub needs a string, got {text!r}")
        unresolved: list[str] = []

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                value = self._getatt(resource, attribute)
            else:
                value = self.ref(name)
            if isinstance(value, Unresolved):
                unresolved.append(name)
                return ""
            return _text(value)

        out = _SUB_VAR.sub(replace, text)
        if unresolved:
            return Unresolved(f"Fn::Sub {', '.join(unresolved)}")
        return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)
