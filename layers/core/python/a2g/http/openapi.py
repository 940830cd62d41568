"""One OpenAPI document for the whole API, merged from the functions' own FastAPI apps.

Each function owns its routes and so its part of the document; merging them (paths and component schemas)
gives the single document that the docs page, the frontend's API client and the JS SDK follow. On AWS the
document is generated at packaging time and shipped with the docs function (functions cannot import each
other there); locally it is built on the fly from the checkout.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from fastapi.openapi.utils import get_openapi


def _load_app(app_py: Path) -> Any | None:
    name = f"a2g_openapi_{app_py.parent.name}"
    if name in sys.modules:
        return getattr(sys.modules[name], "app", None)
    spec = importlib.util.spec_from_file_location(name, app_py)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, "app", None)


def merged_document(functions_dir: Path, title: str = "A2G Agent Platform API", version: str = "1") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for app_py in sorted(functions_dir.glob("*/app.py")):
        app = _load_app(app_py)
        if app is None or not hasattr(app, "routes") or not hasattr(app, "openapi_version"):
            continue  # WebSocket and scheduled functions have no HTTP app
        doc = get_openapi(title=app.title, version=version, routes=app.routes)
        for path, item in doc.get("paths", {}).items():
            for op in item.values():
                if isinstance(op, dict):
                    op.setdefault("tags", [app_py.parent.name])
            paths.setdefault(path, {}).update(item)
        schemas.update(doc.get("components", {}).get("schemas", {}))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Every endpoint of the platform. Authenticate with `Authorization: Bearer <token or API key>`.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
