"""GET /api/openapi.json (the merged document) and GET /api/docs (an interactive viewer)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from a2g.http import create_app, lambda_handler_for
from a2g.http.openapi import merged_document
from fastapi.responses import HTMLResponse

app = create_app("docs")
_HERE = Path(__file__).resolve().parent
_PACKAGED = _HERE / "openapi.json"  # written by `make package`


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    if _PACKAGED.exists():
        return json.loads(_PACKAGED.read_text())
    return merged_document(_HERE.parent)


@app.get("/api/openapi.json")
def openapi_document() -> dict[str, Any]:
    return _document()


_VIEWER = """<!doctype html><html><head><meta charset="utf-8"><title>A2G API</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}code{background:#f3f3f3;padding:0 .3em}
details{border:1px solid #ddd;border-radius:8px;margin:.4rem 0;padding:.4rem .8rem}summary{cursor:pointer}
.m{display:inline-block;min-width:4.5em;font-weight:600}pre{white-space:pre-wrap;font-size:12px}</style></head>
<body><h1>A2G Agent Platform API</h1><p>The merged OpenAPI document: <a href="/api/openapi.json">/api/openapi.json</a>.
Try a call: enter a token or API key, then use the buttons.</p>
<p><input id="tok" size="60" placeholder="Bearer token or API key"></p><div id="ops">loading...</div>
<script>
fetch('/api/openapi.json').then(r=>r.json()).then(doc=>{const ops=document.getElementById('ops');ops.innerHTML='';
for(const [path,item] of Object.entries(doc.paths)){for(const [method,op] of Object.entries(item)){
const d=document.createElement('details');const s=document.createElement('summary');
s.innerHTML='<span class="m">'+method.toUpperCase()+'</span> <code></code> '+(op.summary||'');s.querySelector('code').textContent=path;
d.appendChild(s);const pre=document.createElement('pre');pre.textContent=JSON.stringify(op,null,2);
if(method==='get'&&!path.includes('{')){const b=document.createElement('button');b.textContent='Send GET';
b.onclick=async()=>{const t=document.getElementById('tok').value;const r=await fetch(path,{headers:t?{Authorization:'Bearer '+t}:{}});
pre.textContent=r.status+'\\n'+await r.text();};d.appendChild(b);}d.appendChild(pre);ops.appendChild(d);}}});
</script></body></html>"""


@app.get("/api/docs", response_class=HTMLResponse)
def docs_page() -> str:
    return _VIEWER


handler = lambda_handler_for(app)
