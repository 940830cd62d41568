import { describe, expect, it } from 'vitest'
import i18n from '../i18n'
import { ApiError } from '../api/client'
import { explainError, readableServerText, streamErrorMessage } from './errors'
import { isValidRange } from './format'
import en from '../i18n/en'
import ko from '../i18n/ko'

const t = i18n.getFixedT('en')
const tKo = i18n.getFixedT('ko')

describe('explainError', () => {
  it('words a known code in the language and names the action that helps', () => {
    const e = new ApiError(504, 'upstream_timeout', 'httpx.ReadTimeout: timed out after 30s')
    expect(explainError(e, t)).toMatchObject({ message: en.errorCodes.upstream_timeout, action: 'retry' })
    expect(explainError(e, tKo).message).toBe(ko.errorCodes.upstream_timeout)
  })

  it('sends a bad API key to the settings and an ended session to sign-in', () => {
    expect(explainError(new ApiError(401, 'invalid_api_key', 'bad key'), t).action).toBe('settings')
    expect(explainError(new ApiError(401, 'token_expired', 'expired'), t).action).toBe('signIn')
  })

  it('never shows an exception name, raw JSON or a URL from the server', () => {
    for (const raw of ['ConnectError: [Errno 111] Connection refused', '{"detail": {"error": "boom"}}', 'failed at http://10.0.0.3:8080/internal']) {
      const { message } = explainError(new ApiError(502, 'weird_upstream_code', raw), t)
      expect(message).toBe(en.errorCodes.upstream_error)
      expect(message).not.toContain(raw)
    }
    const bug = explainError(new TypeError("Cannot read properties of undefined (reading 'x')"), t)
    expect(bug.message).toBe(en.errorCodes.unexpected)
  })

  it("keeps a readable 4xx sentence of the server's own code, without Pydantic's prefix", () => {
    const e = new ApiError(400, 'invalid_name', 'Value error, the name must be at most 80 characters')
    expect(explainError(e, t)).toMatchObject({ message: 'The name must be at most 80 characters', action: null })
  })

  it('puts field messages under their field, by the last part of a dotted name', () => {
    const e = new ApiError(400, 'validation_error', 'invalid', [
      { field: 'endpoint.base_url', message: 'Value error, must start with http:// or https://' },
      { field: 'name', message: "ValidationError: {'type': 'missing'}" },
    ])
    const { fields } = explainError(e, t)
    expect(fields.base_url).toBe('Must start with http:// or https://')
    expect(fields.name).toBe(en.errorCodes.invalid_field)
  })

  it('words a network failure and an unknown status by status', () => {
    expect(explainError(new ApiError(0, 'network_error', 'x'), t)).toMatchObject({ message: en.errorCodes.network_error, action: 'retry' })
    expect(explainError(new ApiError(503, 'something_new', 'x'), t).message).toBe(en.errorCodes.service_unavailable)
  })
})

describe('readableServerText', () => {
  it('drops logs and keeps sentences', () => {
    expect(readableServerText('Value error, too long')).toBe('Too long')
    expect(readableServerText('KeyError: foo')).toBeNull()
    expect(readableServerText('')).toBeNull()
  })
})

describe('streamErrorMessage', () => {
  it('words a failed run by its code, and an unreadable one as the agent failing', () => {
    expect(streamErrorMessage({ code: 'upstream_unreachable', message: 'ConnectError' }, t)).toBe(en.errorCodes.upstream_unreachable)
    expect(streamErrorMessage({ code: 'agent_failed', message: 'RuntimeError: boom' }, t)).toBe(en.errorCodes.upstream_error)
  })
})

describe('translations', () => {
  it('have every error sentence in both languages', () => {
    expect(Object.keys(ko.errorCodes).sort()).toEqual(Object.keys(en.errorCodes).sort())
  })
})

describe('isValidRange', () => {
  it('refuses a start after the end, before any request', () => {
    expect(isValidRange('2026-12-02', '2026-11-01')).toBe(false)
    expect(isValidRange('2026-11-01', '2026-11-01')).toBe(true)
    expect(isValidRange('', '2026-11-01')).toBe(true)
  })
})

describe('answerDuration', () => {
  it('says how long an answer took, and nothing when a time is missing or out of order', async () => {
    const { answerDuration } = await import('./format')
    expect(answerDuration('2026-12-02T10:00:00.000Z', '2026-12-02T10:00:00.450Z')).toBe('450 ms')
    expect(answerDuration('2026-12-02T10:00:00.000Z', '2026-12-02T10:00:02.340Z')).toBe('2.3 s')
    expect(answerDuration('2026-12-02T10:00:00.000Z', '2026-12-02T10:01:05.000Z')).toBe('1 min 5 s')
    expect(answerDuration(undefined, '2026-12-02T10:00:00.000Z')).toBeNull()
    expect(answerDuration('2026-12-02T10:00:05.000Z', '2026-12-02T10:00:00.000Z')).toBeNull()
  })
})

describe('plainReason', () => {
  it('keeps the address and what happened, drops exception class names', async () => {
    const { plainReason } = await import('./errors')
    expect(plainReason('UpstreamFailed: http://127.0.0.1:9/v1 could not be reached: ConnectError')).toBe('http://127.0.0.1:9/v1 could not be reached')
    expect(plainReason('upstream answered 401 (check the API key)')).toBe('upstream answered 401 (check the API key)')
    expect(plainReason('ReadTimeout')).toBe('ReadTimeout')
  })
})
