import { describe, expect, it } from 'vitest'
import { listOf, toAgent, toApiKey, toModelNames, toRanked, toScanResult, toTraceEntry, toUsageRows } from './normalize'
import type { Schemas } from './typed'

const agentView = (over: Partial<Schemas['AgentView']> = {}): Schemas['AgentView'] => ({
  id: 'a1', owner_id: 'alice', name: 'Helper', description: 'reads PDFs', logo_url: null, color: '#0EA5E9',
  skills: [{ name: 'pdf' }, { name: 'sql' }], framework: 'AGNO', status: 'PRODUCTION', created_at: '2026-12-01T00:00:00Z',
  updated_at: '2026-12-02T00:00:00Z', last_used_at: null, version: 3, trace_id: 't1', a2a_card: null, card_url: null,
  endpoint: { base_url: 'http://x', agno_team_id: 'team-1' }, log_proxy_base_url: 'http://p/api/log-proxy/t1',
  ...over,
})

describe('normalize', () => {
  it('reads WebSocket lists bare or wrapped', () => {
    expect(listOf([1, 2])).toEqual([1, 2])
    expect(listOf({ agents: [1] }, 'agents')).toEqual([1])
    expect(listOf({ items: [3] })).toEqual([3])
    expect(listOf(null)).toEqual([])
  })

  it('flattens an agent\'s connection and names its target', () => {
    expect(toAgent(agentView())).toMatchObject({
      agent_id: 'a1', framework: 'agno', status: 'PRODUCTION', skills: ['pdf', 'sql'], base_url: 'http://x',
      target_kind: 'team', target_id: 'team-1', logo_url: '', trace_id: 't1', version: 3,
    })
    const custom = toAgent(agentView({ framework: 'CUSTOM', endpoint: { base_url: 'http://c', custom_protocol: 'openai' } }))
    expect(custom).toMatchObject({ endpoint_url: 'http://c', custom_protocol: 'openai', target_kind: undefined })
  })

  it('keeps ranked order and the reason', () => {
    const publicView = (id: string): Schemas['PublicAgentView'] => {
      const { endpoint: _e, trace_id: _t, a2a_card: _c, card_url: _u, log_proxy_base_url: _l, ...rest } = agentView({ id })
      return rest
    }
    const ranked = (id: string, score: number, reason: string): Schemas['RankedAgent'] => ({ agent: publicView(id), score, reason, reasons: [], match: null, owner: null, team_users: 0 })
    const r = toRanked([ranked('b', 2, 'matches pdf'), ranked('a', 1, 'used often')])
    expect(r.map((x) => [x.agent.agent_id, x.reason])).toEqual([['b', 'matches pdf'], ['a', 'used often']])
  })

  it('reads a trace entry pushed inside an envelope with OpenAI usage', () => {
    const e = toTraceEntry({ type: 'trace_entry', trace_id: 't1', entry: { entry_id: 'e1', agent_id: 'researcher', model: 'm', usage: { prompt_tokens: 3, completion_tokens: 4 }, latency_ms: 12 } })
    expect(e).toMatchObject({ entry_id: 'e1', trace_id: 't1', agent_id: 'researcher', prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, latency_ms: 12, status: 'ok' })
  })

  it('marks an entry with an error as failed', () => {
    expect(toTraceEntry({ entry_id: 'x', error: { message: 'upstream 500' } })).toMatchObject({ status: 'error', error: 'upstream 500' })
  })

  it('lists scan candidates of every kind, and the card of an A2A scan', () => {
    const s = toScanResult({
      framework: 'AGNO', base_url: 'http://x', candidates: [
        { kind: 'agent', id: 'a1', name: 'Agent 1', description: '', framework: 'AGNO', endpoint: { base_url: 'http://x', agno_agent_id: 'a1' } },
        { kind: 'team', id: 't1', name: 'Team', description: '', framework: 'AGNO', endpoint: { base_url: 'http://x', agno_team_id: 't1' } },
        { kind: 'card', id: 'c', name: 'Card', description: 'd', framework: 'A2A', endpoint: { base_url: 'http://a2a' },
          a2a_card: { version: '1.2' }, skills: [{ name: 'search' }] },
      ],
    })
    expect(s.targets.map((t) => `${t.kind}:${t.id}`)).toEqual(['agent:a1', 'team:t1', 'card:c'])
    expect(s.card).toEqual({ name: 'Card', description: 'd', url: 'http://a2a', version: '1.2', skills: ['search'] })
  })

  it('reads API keys, revoked ones too', () => {
    const key: Schemas['ApiKeyView'] = { id: 'k', name: null, masked: 'a2g_sk_...ab12', created_at: 'x', last_used_at: null, revoked_at: 'y', status: 'revoked' }
    expect(toApiKey(key)).toMatchObject({ key_id: 'k', name: 'API key', masked: 'a2g_sk_...ab12', revoked: true })
  })

  it('lists each enabled model once, sorted', () => {
    const guide = { agent_id_header: 'X-Agent-Id', api_key: 'k', base_url_template: 'u', notes: [], python_example: '' }
    const models = ['b', 'a', 'a'].map((model) => ({ model, llm_name: 'l', health_status: 'healthy' }))
    expect(toModelNames({ models, guide })).toEqual(['a', 'b'])
  })

  it('reads usage groups', () => {
    const [row] = toUsageRows({
      from: 'a', to: 'b', group_by: 'team', totals: {} as Schemas['UsageStats']['totals'],
      groups: [{ key: 'ml', calls: 4, errors: 1, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, avg_latency_ms: 99.6 }],
    })
    expect(row).toMatchObject({ key: 'ml', calls: 4, errors: 1, latency_ms_avg: 100, total_tokens: 15 })
  })
})

describe('skill examples', () => {
  it('become the agent prompts, and the form saves them as the first skill examples', async () => {
    const { toAgent } = await import('./normalize')
    const { agentPayload } = await import('./endpoints')
    const a = toAgent(agentView({ skills: [{ name: 'book', examples: ['Book room 4 at 10', ' '] }, { name: 'cancel', examples: ['Cancel my 3 pm', 'Book room 4 at 10'] }, { name: 'plain' }] }))
    expect(a.skills).toEqual(['book', 'cancel', 'plain'])
    expect(a.prompts).toEqual(['Book room 4 at 10', 'Cancel my 3 pm'])
    expect(toAgent(agentView({ skills: [{ name: 'only a name' }] })).prompts).toEqual([])
    const body = agentPayload({ name: 'Rooms', skills: ['book', 'cancel'], prompts: ['Book room 4 at 10'] })
    expect(body.skills).toEqual([{ name: 'book', examples: ['Book room 4 at 10'] }, { name: 'cancel' }])
  })
})
