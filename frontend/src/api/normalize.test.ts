import { describe, expect, it } from 'vitest'
import { listOf, toAgent, toApiKey, toModelNames, toRanked, toScanResult, toTraceEntry, toUsageRows } from './normalize'

describe('normalize', () => {
  it('reads lists bare or wrapped', () => {
    expect(listOf([1, 2])).toEqual([1, 2])
    expect(listOf({ agents: [1] }, 'agents')).toEqual([1])
    expect(listOf({ items: [3] })).toEqual([3])
    expect(listOf(null)).toEqual([])
  })

  it('reads an agent with its connection nested or flat', () => {
    const a = toAgent({ agent_id: 'a1', name: 'Helper', framework: 'AGNO', status: 'published', skills: [{ name: 'pdf' }, 'sql'], endpoint: { base_url: 'http://x' } })
    expect(a).toMatchObject({ agent_id: 'a1', framework: 'agno', status: 'PUBLISHED', skills: ['pdf', 'sql'], base_url: 'http://x' })
  })

  it('keeps ranked order and the reason', () => {
    const r = toRanked({ results: [{ agent: { agent_id: 'b', name: 'B' }, score: 2, reason: 'matches pdf' }, { agent_id: 'a', name: 'A', score: 1, reason: 'used often' }] })
    expect(r.map((x) => [x.agent.agent_id, x.reason])).toEqual([['b', 'matches pdf'], ['a', 'used often']])
  })

  it('reads a trace entry pushed inside an envelope with OpenAI usage', () => {
    const e = toTraceEntry({ type: 'trace_entry', trace_id: 't1', entry: { entry_id: 'e1', agent_id: 'researcher', model: 'm', usage: { prompt_tokens: 3, completion_tokens: 4 }, latency_ms: 12 } })
    expect(e).toMatchObject({ entry_id: 'e1', trace_id: 't1', agent_id: 'researcher', prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, latency_ms: 12, status: 'ok' })
  })

  it('marks an entry with an error as failed', () => {
    expect(toTraceEntry({ entry_id: 'x', error: { message: 'upstream 500' } })).toMatchObject({ status: 'error', error: 'upstream 500' })
  })

  it('collects scan targets of every kind', () => {
    const s = toScanResult({ agents: [{ id: 'a1', name: 'Agent 1' }], teams: [{ id: 't1', name: 'Team' }], apps: ['app1'] })
    expect(s.targets.map((t) => `${t.kind}:${t.id}`)).toEqual(['agent:a1', 'team:t1', 'app:app1'])
  })

  it('masks API keys that come with only a prefix', () => {
    expect(toApiKey({ key_id: 'k', name: 'ci', prefix: 'a2g_ab12' }).masked).toBe('a2g_ab12…')
  })

  it('flattens model names from LLMs', () => {
    expect(toModelNames({ llms: [{ models: ['b', 'a'] }, { models: ['a'] }] })).toEqual(['a', 'b'])
  })

  it('derives averages and totals for usage rows', () => {
    const [row] = toUsageRows({ rows: [{ team: 'ml', calls: 4, latency_ms_sum: 400, prompt_tokens: 10, completion_tokens: 5 }] })
    expect(row).toMatchObject({ key: 'ml', calls: 4, latency_ms_avg: 100, total_tokens: 15 })
  })
})

describe('skill examples', () => {
  it('become the agent prompts, and the form saves them as the first skill examples', async () => {
    const { toAgent } = await import('./normalize')
    const { agentPayload } = await import('./endpoints')
    const a = toAgent({ agent_id: 'a1', name: 'Rooms', framework: 'CUSTOM', skills: [{ name: 'book', examples: ['Book room 4 at 10', ' '] }, { name: 'cancel', examples: ['Cancel my 3 pm', 'Book room 4 at 10'] }, 'plain'] })
    expect(a.skills).toEqual(['book', 'cancel', 'plain'])
    expect(a.prompts).toEqual(['Book room 4 at 10', 'Cancel my 3 pm'])
    expect(toAgent({ agent_id: 'a2', name: 'x', skills: [{ name: 'only a name' }] }).prompts).toEqual([])
    const body = agentPayload({ name: 'Rooms', skills: ['book', 'cancel'], prompts: ['Book room 4 at 10'] })
    expect(body.skills).toEqual([{ name: 'book', examples: ['Book room 4 at 10'] }, { name: 'cancel' }])
  })
})
