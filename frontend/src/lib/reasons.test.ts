import { describe, expect, it } from 'vitest'
import i18n from '../i18n'
import en from '../i18n/en'
import ko from '../i18n/ko'
import { toRankedPage } from '../api/normalize'
import type { Schemas } from '../api/typed'
import { REASON_CODES, reasonText, reasonsLine } from './reasons'

const t = i18n.getFixedT('en')
const tKo = i18n.getFixedT('ko')

describe('ranking reasons', () => {
  it('has a wording for every code in both languages', () => {
    for (const code of REASON_CODES) {
      expect(en.operation.reasons[code], code).toBeTruthy()
      expect(ko.operation.reasons[code], code).toBeTruthy()
      const text = reasonText(tKo, { code, params: { skills: ['a'], words: ['b'], agent_name: 'N', uses: 3 } })
      expect(text).not.toContain('{{')
      expect(text).not.toContain('operation.reasons')
    }
  })

  it('fills the parameters', () => {
    expect(reasonText(t, { code: 'matches_skills', params: { skills: ['scan_receipt', 'submit'] } })).toBe('Matches: scan_receipt, submit')
    expect(reasonText(t, { code: 'used_with', params: { agent_id: 'a', agent_name: 'Trip Planner' } })).toBe('People who use Trip Planner also use this')
    expect(reasonText(tKo, { code: 'used_with', params: { agent_name: 'Trip Planner' } })).toContain('Trip Planner')
  })

  it('joins the reasons and falls back to the server wording for codes it does not know', () => {
    const reasons = [{ code: 'matches_words', params: { words: ['pdf'] } }, { code: 'you_use_often', params: { uses: 4 } }]
    expect(reasonsLine(t, reasons)).toBe('Mentions pdf · You use this often')
    expect(reasonsLine(t, [{ code: 'from_the_future', params: {} }], 'server words')).toBe('server words')
    expect(reasonsLine(tKo, reasons)).toBe('‘pdf’ 포함 · 자주 사용하는 에이전트')
  })

  it('reads the match level, owner and colleagues from the answer', () => {
    const agent: Schemas['PublicAgentView'] = {
      id: 'a', owner_id: 'kim', name: 'A', description: '', logo_url: null, color: '#0EA5E9', skills: [], framework: 'AGNO',
      status: 'PRODUCTION', created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z', last_used_at: null, version: 1,
    }
    const page = toRankedPage({
      match: 'none',
      query: 'zzqx blorf',
      items: [{ agent, score: 0.1, reason: 'weak match', reasons: [{ code: 'weak_match', params: {} }], match: 'none', owner: { name: 'Kim', team: 'ops' }, team_users: 2 }],
    })
    expect(page.match).toBe('none')
    expect(page.items[0]).toMatchObject({ match: 'none', owner: { name: 'Kim', team: 'ops' }, team_users: 2 })
    expect(page.items[0].reasons).toEqual([{ code: 'weak_match', params: {} }])
    expect(toRankedPage({ items: [], match: null, query: null }).match).toBeNull()
  })
})
