import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import en from '../i18n/en'
import { CLEAR_UNDO_MS, useTraceStore } from './trace'

const push = (id: string, at: string, extra: Record<string, unknown> = {}) =>
  useTraceStore.getState().handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: { entry_id: id, at, model: 'm', ...extra } })
const ids = () => (useTraceStore.getState().entries.t ?? []).map((e) => e.entry_id)

let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  vi.useFakeTimers()
  useTraceStore.setState({ entries: {}, loading: {}, errors: {}, pendingClears: {}, agentFilter: {} })
  fetchMock = vi.fn(async () => new Response(JSON.stringify({ trace_id: 't', deleted: 2 }), { status: 200, headers: { 'Content-Type': 'application/json' } }))
  vi.stubGlobal('fetch', fetchMock)
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('clearing a trace', () => {
  it('hides the calls at once but deletes nothing on the server until the undo delay has passed', async () => {
    push('a', '2026-01-01T00:00:01.000Z')
    push('b', '2026-01-01T00:00:02.000Z')
    useTraceStore.getState().clear('t')
    expect(ids()).toEqual([])
    await vi.advanceTimersByTimeAsync(CLEAR_UNDO_MS - 100)
    expect(fetchMock).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(200)
    expect(fetchMock).toHaveBeenCalledTimes(1)
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(init.method).toBe('DELETE')
    // Only what was shown when Clear was pressed: up to the newest call's time.
    expect(url).toContain('trace_id=t')
    expect(decodeURIComponent(url)).toContain('up_to=2026-01-01T00:00:02.000Z')
    expect(useTraceStore.getState().pendingClears.t).toBeUndefined()
  })

  it('puts everything back on undo and never sends the delete', async () => {
    push('a', '2026-01-01T00:00:01.000Z')
    push('b', '2026-01-01T00:00:02.000Z')
    useTraceStore.getState().clear('t')
    useTraceStore.getState().undoClear('t')
    expect(ids()).toEqual(['a', 'b'])
    await vi.advanceTimersByTimeAsync(CLEAR_UNDO_MS * 2)
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('shows calls that arrive during the delay, and keeps a hidden running call hidden when it finishes', async () => {
    push('run', '2026-01-01T00:00:01.000Z', { status: 'running' })
    useTraceStore.getState().clear('t')
    push('run', '2026-01-01T00:00:01.000Z', { status: 'ok', output_text: 'done' })
    push('new', '2026-01-01T00:00:09.000Z')
    expect(ids()).toEqual(['new'])
    useTraceStore.getState().undoClear('t')
    expect(ids()).toEqual(['run', 'new'])
    expect(useTraceStore.getState().entries.t[0]).toMatchObject({ status: 'ok', output_text: 'done' })
  })

  it('shows the calls again, with the reason, when the server refuses the delete', async () => {
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ error: { code: 'throttled', message: 'slow down' } }), { status: 429, headers: { 'Content-Type': 'application/json' } }))
    push('a', '2026-01-01T00:00:01.000Z')
    useTraceStore.getState().clear('t')
    await useTraceStore.getState().commitClear('t')
    expect(ids()).toEqual(['a'])
    expect(useTraceStore.getState().errors.t).toMatchObject({ message: en.errorCodes.throttled, action: 'retry' })
  })

  it('removes only what a clear covered when the server announces it', () => {
    push('a', '2026-01-01T00:00:01.000Z')
    push('b', '2026-01-01T00:00:05.000Z')
    useTraceStore.getState().handleServerMessage({ type: 'trace.cleared', trace_id: 't', up_to: '2026-01-01T00:00:02.000Z' })
    expect(ids()).toEqual(['b'])
    useTraceStore.getState().handleServerMessage({ type: 'trace.cleared', trace_id: 't' })
    expect(ids()).toEqual([])
  })

  it('remembers an agent filter per trace', () => {
    useTraceStore.getState().setAgentFilter('t', 'planner')
    expect(useTraceStore.getState().agentFilter).toEqual({ t: 'planner' })
    useTraceStore.getState().setAgentFilter('t', null)
    expect(useTraceStore.getState().agentFilter.t).toBeNull()
  })
})

describe('the setup guide', () => {
  it('is open without calls, collapsed with calls, and then as the developer left it', async () => {
    const { traceGuideShown, useTraceGuideStore } = await import('./ui')
    expect([traceGuideShown(null, false), traceGuideShown(null, true)]).toEqual([true, false])
    expect([traceGuideShown(true, true), traceGuideShown(false, false)]).toEqual([true, false])
    useTraceGuideStore.getState().setOpen(false)
    // Remembered in localStorage.
    expect(JSON.parse(localStorage.getItem('a2g-trace-guide') ?? '{}').state.open).toBe(false)
  })
})
