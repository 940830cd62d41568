import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useTraceStore } from './trace'

beforeEach(() => {
  useTraceStore.setState({ entries: {}, loading: {}, errors: {}, removed: {} })
  vi.unstubAllGlobals()
})

const span = { entry_id: 'spn_aa', at: '2026-01-01T00:00:01.000Z', api: 'otel', kind: 'llm_call', model: 'm', span: { span_id: 'aa', parent_span_id: 'ag' } }
const agent = { entry_id: 'spn_ag', at: '2026-01-01T00:00:00.000Z', api: 'otel', kind: 'agent_run', agent_name: 'planner', span: { span_id: 'ag' } }
const proxy = { entry_id: 'log_1', at: '2026-01-01T00:00:01.100Z', api: 'chat', model: 'm', agent_id: 'planner', agent_id_source: 'span', span: { span_id: 'aa', parent_span_id: 'ag' } }

describe('trace.entry_removed', () => {
  it('drops the span entry merged into the proxy entry: the call is shown once', () => {
    const store = useTraceStore.getState()
    store.handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: agent })
    store.handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: span })
    store.handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: proxy })
    expect(useTraceStore.getState().entries.t.map((e) => e.entry_id)).toEqual(['spn_ag', 'spn_aa', 'log_1'])
    store.handleServerMessage({ type: 'trace.entry_removed', trace_id: 't', entry_id: 'spn_aa', merged_into: 'log_1' })
    expect(useTraceStore.getState().entries.t.map((e) => e.entry_id)).toEqual(['spn_ag', 'log_1'])
  })

  it('keeps a removed entry out when a history page fetched before the merge returns after it', async () => {
    let answer: (r: Response) => void = () => {}
    vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>((resolve) => { answer = resolve })))
    const loading = useTraceStore.getState().loadHistory('t')
    useTraceStore.getState().handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: proxy })
    useTraceStore.getState().handleServerMessage({ type: 'trace.entry_removed', trace_id: 't', entry_id: 'spn_aa', merged_into: 'log_1' })
    answer(new Response(JSON.stringify({ items: [agent, span] }), { status: 200, headers: { 'Content-Type': 'application/json' } }))
    await loading
    expect(useTraceStore.getState().entries.t.map((e) => e.entry_id)).toEqual(['spn_ag', 'log_1'])
  })

  it('touches only the named trace and ignores a message without ids', () => {
    const store = useTraceStore.getState()
    store.handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: span })
    store.handleServerMessage({ type: 'trace.entry', trace_id: 'u', entry: { ...span, trace_id: 'u' } })
    store.handleServerMessage({ type: 'trace.entry_removed', trace_id: 'u', entry_id: 'spn_aa' })
    store.handleServerMessage({ type: 'trace.entry_removed', trace_id: 't' })
    expect(useTraceStore.getState().entries.t).toHaveLength(1)
    expect(useTraceStore.getState().entries.u).toHaveLength(0)
  })
})
