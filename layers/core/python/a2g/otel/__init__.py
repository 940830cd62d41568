"""OpenTelemetry intake: an agent's own OTLP spans become entries of its live trace (docs/tracing.md).

`decode` reads OTLP/HTTP bodies (protobuf or JSON, gzip) into plain spans, `mapping` turns spans into trace
entries (GenAI semantic conventions and OpenInference attribute names), `merge` joins an LLM span with the
log-proxy's entry of the same call, `intake` is the service the function calls.
"""
