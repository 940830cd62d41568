import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, request, setTokenSource } from './client'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => vi.unstubAllGlobals())

describe('request', () => {
  it('turns the platform error body into an ApiError with per-field messages', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(400, { error: { code: 'validation_error', message: 'name: required', fields: [{ field: 'name', message: 'required' }] } })))
    const err = (await request('/api/my-agents', { body: {} }).catch((e) => e)) as ApiError
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(400)
    expect(err.code).toBe('validation_error')
    expect(err.fieldMessage('name')).toBe('required')
    expect(err.fieldMessage('endpoint.name')).toBeUndefined()
  })

  it('matches dotted server field names by their last part', () => {
    const err = new ApiError(400, 'validation_error', 'bad', [{ field: 'endpoint.base_url', message: 'not a URL' }])
    expect(err.fieldMessage('base_url')).toBe('not a URL')
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    const seen: (string | null)[] = []
    const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).Authorization ?? null
      seen.push(auth)
      return auth === 'Bearer fresh' ? json(200, { ok: true }) : json(401, { error: { code: 'unauthenticated', message: 'expired' } })
    })
    vi.stubGlobal('fetch', fetchMock)
    const signedOut = vi.fn()
    setTokenSource({ getToken: () => 'stale', refresh: async () => 'fresh', onSignedOut: signedOut })
    await expect(request('/api/auth/me')).resolves.toEqual({ ok: true })
    expect(seen).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(signedOut).not.toHaveBeenCalled()
  })

  it('signs out when the refresh fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { error: { code: 'unauthenticated', message: 'expired' } })))
    const signedOut = vi.fn()
    setTokenSource({ getToken: () => 'stale', refresh: async () => null, onSignedOut: signedOut })
    await expect(request('/api/auth/me')).rejects.toMatchObject({ status: 401 })
    expect(signedOut).toHaveBeenCalledOnce()
  })

  it('reports an unreachable server as a network error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch') }))
    await expect(request('/api/health')).rejects.toMatchObject({ code: 'network_error', status: 0 })
  })

  it('encodes query parameters and drops empty ones', async () => {
    const fetchMock = vi.fn(async (_url: string) => json(200, []))
    vi.stubGlobal('fetch', fetchMock)
    await request('/api/agents/ranked', { query: { q: 'pdf 요약', limit: 5, empty: '' } })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/agents/ranked?q=pdf+%EC%9A%94%EC%95%BD&limit=5')
  })
})
