import { describe, expect, it } from 'vitest'
import { buildOtelSnippets, otelEndpoint } from './otelSnippets'

describe('OpenTelemetry setup guide', () => {
  const endpoint = otelEndpoint('https://a2g.example', 'trc_1')
  const tabs = buildOtelSnippets(endpoint, 'a2g_sk_key', 'trc_1')

  it('has a tab per framework, each with the endpoint and the key filled in', () => {
    expect(tabs.map((t) => t.label)).toEqual(['Environment', 'Google ADK', 'OpenAI Agents SDK', 'Agno', 'LangGraph'])
    for (const tab of tabs) {
      expect(tab.code).not.toContain('{{')
      expect(tab.code).toContain('https://a2g.example/api/otel/trc_1/v1/traces')
      expect(tab.code).toContain('Bearer a2g_sk_key')
    }
    expect(tabs[0].code).toContain('a2g.trace_id=trc_1')
  })

  it('names each framework its instrumentor and exports with the OTLP/HTTP exporter', () => {
    const code = Object.fromEntries(tabs.map((t) => [t.id, t.code]))
    expect(code['openai-agents']).toContain('OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)')
    expect(code.agno).toContain('AgnoInstrumentor().instrument(tracer_provider=provider)')
    expect(code.langgraph).toContain('LangChainInstrumentor().instrument(tracer_provider=provider)')
    for (const id of ['adk', 'openai-agents', 'agno', 'langgraph']) expect(code[id]).toContain('OTLPSpanExporter(')
    expect(tabs.map((t) => t.language)).toEqual(['bash', 'python', 'python', 'python', 'python'])
  })
})
