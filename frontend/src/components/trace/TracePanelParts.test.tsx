import { afterEach, describe, expect, it, vi } from 'vitest'
import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { useState } from 'react'
import { TraceEntryItem } from './TraceEntryItem'
import { ErrorState } from '../States'
import { Toaster, toast, toastError, useToasts } from '../Toaster'
import { ApiError } from '../../api/client'
import en from '../../i18n/en'
import type { TraceEntry } from '../../api/types'

afterEach(() => {
  vi.useRealTimers()
  useToasts.setState({ toasts: [] })
})

const entry: TraceEntry = {
  entry_id: 'e', trace_id: 't', created_at: '2026-01-01T10:00:00Z', agent_id: 'researcher', model: 'gpt-x', status: 'ok',
  prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, latency_ms: 340,
  request: { messages: [{ role: 'user', content: 'ping-request' }] },
  response: { id: 'resp-1', choices: [{ message: { role: 'assistant', content: 'pong-answer', tool_calls: [{ id: 'c1', function: { name: 'lookup_city', arguments: '{"q":"Seoul"}' } }] } }] },
}

function Harness() {
  const [open, setOpen] = useState(false)
  return <TraceEntryItem entry={entry} color="#8AB4F8" open={open} onToggle={() => setOpen(!open)} />
}

describe('a trace entry', () => {
  it('shows the agent tag, tokens and latency, and opens to its messages, tool calls, usage and raw JSON', async () => {
    render(<Harness />)
    expect(screen.getByTestId('trace-agent-tag')).toHaveTextContent('researcher')
    expect(screen.getByText('12 tokens')).toBeInTheDocument()
    expect(screen.getByText('340 ms')).toBeInTheDocument()
    expect(screen.queryByText(/ping-request/)).toBeNull()
    await userEvent.click(screen.getByRole('button', { expanded: false }))
    const messages = screen.getByTestId('detail-messages')
    expect(within(messages).getByText('ping-request')).toBeInTheDocument()
    expect(within(messages).getByText('pong-answer')).toBeInTheDocument()
    await userEvent.click(screen.getByTestId('detail-tab-tools'))
    expect(within(screen.getByTestId('detail-tools')).getByText('lookup_city')).toBeInTheDocument()
    await userEvent.click(screen.getByTestId('detail-tab-usage'))
    expect(within(screen.getByTestId('detail-usage')).getByText('12')).toBeInTheDocument()
    expect(screen.queryByText(/resp-1/)).toBeNull()
    await userEvent.click(screen.getByLabelText(en.trace.detail.raw))
    expect(screen.getByText(/resp-1/)).toBeInTheDocument()
  })
})

describe('an error state', () => {
  const render_ = (ui: React.ReactNode) => render(<MemoryRouter>{ui}</MemoryRouter>)

  it('offers the action that helps: Retry, Open settings or Sign in again', async () => {
    const retry = vi.fn()
    const { unmount } = render_(<ErrorState error={new ApiError(503, 'service_unavailable', 'x')} onRetry={retry} />)
    await userEvent.click(screen.getByRole('button', { name: en.errorActions.retry }))
    expect(retry).toHaveBeenCalled()
    unmount()
    render_(<ErrorState error={new ApiError(401, 'invalid_api_key', 'x')} onRetry={retry} />)
    expect(screen.getByText(en.errorCodes.invalid_api_key)).toBeInTheDocument()
    expect(screen.getByRole('link', { name: en.errorActions.settings })).toHaveAttribute('href', '/settings')
    expect(screen.queryByRole('button', { name: en.errorActions.retry })).toBeNull()
  })

  it('offers no Retry where retrying cannot help', () => {
    render_(<ErrorState error={new ApiError(400, 'invalid_date_range', 'x')} onRetry={() => {}} />)
    expect(screen.getByText(en.errorCodes.invalid_date_range)).toBeInTheDocument()
    expect(screen.queryByTestId('error-action')).toBeNull()
  })
})

describe('a notice with an action', () => {
  it('runs the action instead of the dismissal, and dismisses at its duration exactly', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const undo = vi.fn()
    const dismissed = vi.fn()
    render(<Toaster />)
    act(() => toast('Cleared', 'info', { duration: 8000, action: { label: 'Undo', onClick: undo }, onDismiss: dismissed }))
    await act(async () => { screen.getByTestId('toast-action').click() })
    expect([undo.mock.calls.length, dismissed.mock.calls.length]).toEqual([1, 0])
    act(() => toast('Cleared again', 'info', { duration: 8000, action: { label: 'Undo', onClick: undo }, onDismiss: dismissed }))
    await act(async () => { vi.advanceTimersByTime(8100) })
    expect([undo.mock.calls.length, dismissed.mock.calls.length]).toEqual([1, 1])
  })
})

describe('a failure as a notice', () => {
  it('carries the action that helps, and none where nothing can', async () => {
    render(<Toaster />)
    const retry = vi.fn()
    act(() => toastError(new ApiError(503, 'service_unavailable', 'x'), retry))
    expect(screen.getByTestId('toast')).toHaveTextContent(en.errorCodes.service_unavailable)
    await act(async () => { screen.getByTestId('toast-action').click() })
    expect(retry).toHaveBeenCalledTimes(1)
    act(() => toastError(new ApiError(409, 'model_taken', 'x'), retry))
    expect(screen.getByTestId('toast')).toHaveTextContent(en.errorCodes.model_taken)
    expect(screen.queryByTestId('toast-action')).toBeNull()
    act(() => useToasts.setState({ toasts: [] }))
    act(() => toastError(new ApiError(401, 'invalid_token', 'x')))
    expect(screen.getByTestId('toast-action')).toHaveTextContent(en.errorActions.signIn)
  })
})
