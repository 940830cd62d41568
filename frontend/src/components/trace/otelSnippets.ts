/**
 * The few lines per framework that export its OpenTelemetry spans to the platform (issue 15). The text lives in
 * otelSnippets.json so that the e2e tests (tests/e2e/tracing/test_otel_frameworks_e2e.py) run exactly these lines.
 */
import guide from './otelSnippets.json'

export interface OtelSnippet {
  id: string
  label: string
  language: string
  code: string
}

export function otelEndpoint(origin: string, traceId: string): string {
  return `${origin}/api/otel/${traceId}`
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole)
}

export function buildOtelSnippets(endpoint: string, apiKey: string, traceId: string): OtelSnippet[] {
  const values = { endpoint, api_key: apiKey, trace_id: traceId }
  const exporter = fill(guide.exporter, values)
  return guide.tabs.map((tab) => ({ ...tab, code: fill(tab.code, { ...values, exporter }) }))
}
