"""The LLM registry: which OpenAI-compatible endpoints the platform may call, with which key, for which models.

Admins manage it through `/api/admin/llms`; signed-in users see the enabled models through `/api/llms`; the
log-proxy resolves a request's model to its LLM with `LlmRegistry.resolve_model`. Keys are kept at rest as Fernet
tokens in the table or as SSM SecureStrings (`a2g.llms.crypto`, `a2g.llms.key_store`) and never leave the
service in clear except towards the LLM itself.

API for other domains:
- `LlmRegistry.record_health(llm_id, ok, latency_ms, error)` — the operations engineer's scheduled health
  check records each probe (updates the LLM's health fields and appends a `LLMHEALTH#` history row).
- `LlmRegistry.list_llms(include_disabled=True)` / `LlmRegistry.probe(llm_id)` — what a health check iterates
  and how it makes one small call.
- `build_llm_registry()` — the composition function that wires the real repository, key store and HTTP client.
"""
