"""One resource of template.yaml built for `sam build` (infrastructure/deploy/sam/Makefile calls it).

`sam_build.py <LogicalId> <ARTIFACTS_DIR>`: a layer gets `python/` with its share of the locked dependencies
(manylinux wheels for the template's runtime and architecture, from package.py's cache) and of our code; a
function gets its folder (and, for the docs function, the OpenAPI document and Swagger UI files). SAM zips
ARTIFACTS_DIR as the resource's code, so `sam build && sam deploy` ships what `make package` ships.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("a2g_deploy_package", HERE / "package.py")
assert _spec and _spec.loader
package = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = package  # its dataclasses look their module up while the class is built
_spec.loader.exec_module(package)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1]:
        print("usage: sam_build.py <LogicalId> <ARTIFACTS_DIR> (run by sam build)", file=sys.stderr)
        return 2
    logical_id, artifacts = argv[0], Path(argv[1]).resolve()
    raw = package.load_yaml(package.TEMPLATE.read_text())
    resource = raw["Resources"].get(logical_id)
    if resource is None:
        print(f"template.yaml has no resource {logical_id}", file=sys.stderr)
        return 2
    py_version, platform = package.runtime_of(raw)
    python = package.find_python(py_version)
    if python is None:
        print(f"warning: no Python {py_version} here: the package ships without .pyc", file=sys.stderr)
    artifacts.mkdir(parents=True, exist_ok=True)
    if resource["Type"] == "AWS::Serverless::LayerVersion":
        cache = package.REPO / ".build" / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        deps = package.dependencies(cache, package.locked_requirements(), py_version, platform, python)
        with tempfile.TemporaryDirectory(prefix=f"sam-{logical_id}-") as scratch:
            package.fill_layer(logical_id, artifacts, deps, python, Path(scratch) / "code")
    elif resource["Type"] == "AWS::Serverless::Function":
        code_dir = (package.REPO / resource["Properties"]["CodeUri"]).resolve()
        package.fill_function(code_dir, artifacts, python, None)
    else:
        print(
            f"{logical_id} is a {resource['Type']}: sam_build.py builds functions and layers", file=sys.stderr
        )
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
