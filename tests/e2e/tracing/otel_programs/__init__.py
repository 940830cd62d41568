"""Agent programs run by tests/e2e/tracing/test_otel_frameworks_e2e.py after the trace panel's setup-guide code for
their framework (frontend/src/components/trace/otelSnippets.json): each is a small real multi-agent program whose
model goes through the log-proxy (`A2G_LLM_BASE_URL`, `A2G_API_KEY`, `A2G_MODEL`) and which prints what it
answered as JSON on its last line."""
