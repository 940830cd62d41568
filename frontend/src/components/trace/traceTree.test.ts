import { describe, expect, it } from 'vitest'
import { buildTree, label } from './traceTree'

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString()

describe('buildTree', () => {
  it('puts a sub-agent and its calls under it and shows a merged LLM call once', () => {
    const roots = buildTree([
      { entry_id: 'spn_a', kind: 'agent_run', api: 'otel', agent_name: 'coordinator', at: at(0), latency_ms: 900, span: { span_id: 'a' } },
      { entry_id: 'spn_b', kind: 'agent_run', api: 'otel', agent_name: 'weather_agent', at: at(100), latency_ms: 500, span: { span_id: 'b', parent_span_id: 'a' } },
      // The span entry of an LLM call and the proxy entry it was merged into: only the proxy's is kept.
      { entry_id: 'spn_c', kind: 'llm_call', api: 'otel', model: 'm', at: at(150), latency_ms: 100, span: { span_id: 'c', parent_span_id: 'b' } },
      { entry_id: 'log_1', kind: 'chat.completions', api: 'chat', model: 'gpt-x', at: at(152), latency_ms: 98, span: { span_id: 'c', parent_span_id: 'b' } },
      { entry_id: 'spn_d', kind: 'tool_call', api: 'otel', tool: { name: 'get_weather' }, at: at(300), latency_ms: 5, span: { span_id: 'd', parent_span_id: 'b' } },
      { entry_id: 'log_2', kind: 'chat.completions', api: 'chat', model: 'gpt-x', at: at(2000), latency_ms: 10 },
    ])
    expect(roots.map((r) => r.entry.entry_id)).toEqual(['spn_a', 'log_2'])
    const [sub] = roots[0].children
    expect(label(sub.entry)).toBe('weather_agent')
    expect(sub.children.map((c) => c.entry.entry_id)).toEqual(['log_1', 'spn_d'])
    expect(label(sub.children[1].entry)).toBe('get_weather')
    expect(sub.children[0].end - sub.children[0].start).toBe(98)
  })
})
