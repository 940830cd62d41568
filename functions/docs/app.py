"""The API reference: the merged OpenAPI document, the WebSocket protocol (AsyncAPI) and a Swagger UI page.

GET /api/openapi.json      every HTTP endpoint (a2g.http.openapi merges the functions' own apps)
GET /api/asyncapi.json     the WebSocket protocol (websocket_protocol.py beside this file)
GET /api/docs              Swagger UI on the OpenAPI document, with a link to the AsyncAPI one
GET /api/docs/{asset}      Swagger UI's script, style sheet and icon, from the npm package `swagger-ui-dist`

No CDN: the assets are this function's own. `make install` puts them in node_modules/ here; `make package`
copies the few the page needs into swagger-ui/ in the function's zip, with the merged OpenAPI document.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from a2g.errors import NotFound
from a2g.http import create_app, lambda_handler_for
from a2g.http.openapi import PUBLIC, merged_document
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

app = create_app("docs")
_HERE = Path(__file__).resolve().parent
_PACKAGED = _HERE / "openapi.json"  # written by `make package`
ASSETS = {  # what the page loads, and its media type
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
ASSET_DIRS = (_HERE / "swagger-ui", _HERE / "node_modules" / "swagger-ui-dist")  # packaged, then checkout
_CACHE = {"Cache-Control": "public, max-age=86400"}


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    if _PACKAGED.exists():
        return json.loads(_PACKAGED.read_text())
    return merged_document(_HERE.parent)


@lru_cache(maxsize=1)
def _asyncapi() -> dict[str, Any]:
    sys.path.insert(0, str(_HERE))  # on Lambda the function's folder is on the path already
    try:
        from websocket_protocol import asyncapi_document
    finally:
        sys.path.remove(str(_HERE))
    return asyncapi_document()


_DOCUMENT = {200: {"description": "the document (JSON)", "content": {"application/json": {"schema": {"type": "object"}}}}}


@app.get("/api/openapi.json", summary="The OpenAPI document of every HTTP endpoint", response_model=None,
         responses=_DOCUMENT, openapi_extra=PUBLIC)
def openapi_document() -> dict[str, Any]:
    return _document()


@app.get("/api/asyncapi.json", summary="The WebSocket protocol (AsyncAPI 3.0)", response_model=None,
         responses=_DOCUMENT, openapi_extra=PUBLIC)
def asyncapi_document() -> dict[str, Any]:
    return _asyncapi()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A2G Agent Platform API</title>
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<style>body{margin:0}.a2g-links{font:14px system-ui,sans-serif;padding:10px 20px;background:#fafafa;
border-bottom:1px solid #e5e5e5}.a2g-links a{margin-right:18px}</style></head>
<body>
<nav class="a2g-links"><strong>A2G Agent Platform</strong> &middot;
<a href="/api/openapi.json">OpenAPI document</a>
<a href="/api/asyncapi.json" id="asyncapi">WebSocket protocol (AsyncAPI 3.0)</a>
<span>Authorize with an access token or an API key (<code>a2g_sk_...</code>).</span></nav>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: false, tryItOutEnabled: false, displayRequestDuration: true});
</script>
</body></html>"""


@app.get("/api/docs", response_class=HTMLResponse, summary="The API reference (Swagger UI)",
         responses={200: {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}},
         openapi_extra=PUBLIC)
def docs_page() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers={"Cache-Control": "no-cache"})


@app.get("/api/docs/{asset}", response_class=FileResponse, summary="The API reference page's assets",
         responses={200: {"description": "the file", "content": {t.split(";")[0]: {"schema": {"type": "string"}}
                                                                  for t in ASSETS.values()}}},
         openapi_extra=PUBLIC)
def docs_asset(asset: str = PathParam(max_length=64)) -> FileResponse:
    """Only the files the page loads; anything else is 404."""
    if asset in ASSETS:
        for folder in ASSET_DIRS:
            if (folder / asset).is_file():
                return FileResponse(folder / asset, media_type=ASSETS[asset], headers=_CACHE)
    raise NotFound(f"no asset {asset!r}")


handler = lambda_handler_for(app)
