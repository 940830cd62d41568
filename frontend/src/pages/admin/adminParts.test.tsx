import { describe, expect, it } from 'vitest'
import { render, screen } from '@testing-library/react'
import { HealthLine } from './AdminLlmsPage'
import { rowLabel } from './AdminStatsPage'
import { toLlm } from '../../api/normalize'
import type { Schemas } from '../../api/typed'
import { explainError } from '../../lib/errors'
import { ApiError } from '../../api/client'
import i18n from '../../i18n'
import en from '../../i18n/en'

const llm = (health: Partial<Schemas['LlmHealth']>) =>
  toLlm({
    llm_id: 'l', name: 'n', base_url: 'http://x', models: ['m'], enabled: true, has_api_key: true, api_key_masked: null,
    timeout_seconds: 60, created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z',
    health: { status: 'unknown', checked_at: null, latency_ms: null, error: null, consecutive_failures: 0, ...health },
  })

describe('an LLM card’s health', () => {
  it('says "not checked yet" for an LLM never checked, not "0 ms"', () => {
    render(<HealthLine llm={llm({ status: 'unknown', checked_at: null, latency_ms: null, error: null })} />)
    expect(screen.getByTestId('llm-health-line')).toHaveTextContent(en.admin.notChecked)
    expect(screen.getByTestId('llm-health-line')).not.toHaveTextContent('ms')
  })

  it('shows a failed check’s time and reason, and no latency', () => {
    render(<HealthLine llm={llm({ status: 'unhealthy', checked_at: '2026-05-01T09:00:00Z', latency_ms: 812, error: 'upstream answered 401' })} />)
    expect(screen.getByTestId('llm-health-error')).toHaveTextContent('upstream answered 401')
    expect(screen.getByTestId('llm-health-line')).not.toHaveTextContent('812')
  })

  it('shows a good check’s time and latency', () => {
    render(<HealthLine llm={llm({ status: 'healthy', checked_at: '2026-05-01T09:00:00Z', latency_ms: 210.4 })} />)
    expect(screen.getByTestId('llm-health-line')).toHaveTextContent('210 ms')
    expect(screen.queryByTestId('llm-health-error')).toBeNull()
  })
})

describe('statistics labels', () => {
  it('names a row by the agent or person, and by its key only when there is no name', () => {
    expect(rowLabel({ key: 'agt_01m8t7', name: 'Trip Planner', calls: 1, errors: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, latency_ms_avg: 0 })).toBe('Trip Planner')
    expect(rowLabel({ key: 'agt_gone', calls: 1, errors: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, latency_ms_avg: 0 })).toBe('agt_gone')
  })

  it('says one person, many people, and has one form in Korean', async () => {
    expect(i18n.t('admin.peopleActive', { count: 1, lng: 'en' })).toBe('person used the platform in this period')
    expect(i18n.t('admin.peopleActive', { count: 3, lng: 'en' })).toBe('people used the platform in this period')
    expect(i18n.t('admin.peopleActive', { count: 1, lng: 'ko' })).toBe(i18n.t('admin.peopleActive', { count: 5, lng: 'ko' }))
  })
})

describe('form errors', () => {
  it('puts a field’s code under its field', () => {
    const fields = explainError(new ApiError(409, 'model_taken', 'model gpt-x is served by another LLM')).fields
    expect(fields.models).toBe(en.errorCodes.model_taken)
    const dotted = explainError(new ApiError(400, 'validation_error', 'bad', [{ field: 'body.base_url', message: 'Value error, must start with http' }])).fields
    expect(dotted.base_url).toBe('Must start with http')
  })
})
