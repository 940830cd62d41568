/** Notices that arrive together: a second one never ends the first one's undo window (the trace's Clear). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { act, render, screen } from '@testing-library/react'
import { MAX_TOASTS, Toaster, toast, useToasts } from './Toaster'
import { CLEAR_UNDO_MS, useTraceStore } from '../store/trace'

let fetchMock: ReturnType<typeof vi.fn>

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: false })
  useToasts.setState({ toasts: [] })
  useTraceStore.setState({ entries: {}, loading: {}, errors: {}, pendingClears: {}, agentFilter: {} })
  fetchMock = vi.fn(async () => new Response(JSON.stringify({ trace_id: 't', deleted: 1 }), { status: 200, headers: { 'Content-Type': 'application/json' } }))
  vi.stubGlobal('fetch', fetchMock)
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/** What the trace panel does on a confirmed Clear (TracePanel.confirmClear). */
function clearWithUndo() {
  useTraceStore.getState().handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: { entry_id: 'a', at: '2026-01-01T00:00:01.000Z', model: 'm' } })
  useTraceStore.getState().clear('t')
  toast('Cleared', 'info', {
    duration: CLEAR_UNDO_MS,
    action: { label: 'Undo', onClick: () => useTraceStore.getState().undoClear('t') },
    onDismiss: () => void useTraceStore.getState().commitClear('t'),
  })
}

const deletes = () => fetchMock.mock.calls.filter(([, init]) => (init as RequestInit | undefined)?.method === 'DELETE').length

describe('notices and the undo of Clear', () => {
  it('keeps the Undo offered, and the delete unsent, when other notices arrive within the window', async () => {
    render(<Toaster />)
    act(() => clearWithUndo())
    await act(async () => { vi.advanceTimersByTime(1000) })
    act(() => toast('Agent saved.'))
    act(() => toast('Could not reach the server', 'error'))
    expect(screen.getAllByTestId('toast')).toHaveLength(3)
    await act(async () => { vi.advanceTimersByTime(CLEAR_UNDO_MS - 2000) })
    expect(deletes()).toBe(0)
    expect(screen.getByTestId('toast-action')).toHaveTextContent('Undo')
    // Undo still puts the calls back and nothing is ever deleted.
    await act(async () => { screen.getByTestId('toast-action').click() })
    expect((useTraceStore.getState().entries.t ?? []).map((e) => e.entry_id)).toEqual(['a'])
    await act(async () => { await vi.advanceTimersByTimeAsync(CLEAR_UNDO_MS * 2) })
    expect(deletes()).toBe(0)
  })

  it('sends the delete once, at the end of the window, when nobody undoes', async () => {
    render(<Toaster />)
    act(() => clearWithUndo())
    act(() => toast('Agent saved.'))
    await act(async () => { await vi.advanceTimersByTimeAsync(CLEAR_UNDO_MS - 100) })
    expect(deletes()).toBe(0)
    await act(async () => { await vi.advanceTimersByTimeAsync(200) })
    expect(deletes()).toBe(1)
    expect(screen.queryByTestId('toast-action')).toBeNull()
  })

  it('pushes out the oldest plain notice first when too many arrive, keeping the one with an action', () => {
    const dismissed = vi.fn()
    toast('Undo me', 'info', { duration: 8000, action: { label: 'Undo', onClick: () => {} }, onDismiss: dismissed })
    for (let i = 0; i < MAX_TOASTS + 2; i++) toast(`plain ${i}`)
    const shown = useToasts.getState().toasts.map((x) => x.message)
    expect(shown).toHaveLength(MAX_TOASTS)
    expect(shown[0]).toBe('Undo me')
    expect(shown.at(-1)).toBe(`plain ${MAX_TOASTS + 1}`)
    expect(dismissed).not.toHaveBeenCalled()
  })

  it('closing the notice by hand ends the window at once', async () => {
    render(<Toaster />)
    act(() => clearWithUndo())
    const id = useToasts.getState().toasts[0].id
    await act(async () => { useToasts.getState().hide(id); await vi.advanceTimersByTimeAsync(0) })
    expect(deletes()).toBe(1)
  })
})
