import { beforeEach, describe, expect, it, vi } from 'vitest'
import en from '../i18n/en'
import { useTraceStore } from './trace'
import { useChatStore } from './chat'

beforeEach(() => {
  useTraceStore.setState({ entries: {}, loading: {}, errors: {} })
  useChatStore.getState().reset()
  vi.unstubAllGlobals()
})

describe('trace store', () => {
  it('shows a running call, grows its text, and lets the finished entry replace it for good', () => {
    const store = useTraceStore.getState()
    store.handleServerMessage({ type: 'trace.running', trace_id: 't', entry: { entry_id: 'r', at: '2026-01-01T00:00:00Z', status: 'running', api: 'messages', model: 'claude' } })
    store.handleServerMessage({ type: 'trace.running', trace_id: 't', entry: { entry_id: 'r', status: 'running', output_text: 'Hel', partial: true } })
    let [entry] = useTraceStore.getState().entries.t
    expect([entry.status, entry.api, entry.model, entry.output_text]).toEqual(['running', 'messages', 'claude', 'Hel'])
    store.handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: { entry_id: 'r', at: '2026-01-01T00:00:00Z', status: 'ok', api: 'messages', model: 'claude', output_text: 'Hello' } })
    store.handleServerMessage({ type: 'trace.running', trace_id: 't', entry: { entry_id: 'r', status: 'running', output_text: 'Hell', partial: true } })
    ;[entry] = useTraceStore.getState().entries.t
    expect([entry.status, entry.output_text]).toEqual(['ok', 'Hello'])
    expect(useTraceStore.getState().entries.t).toHaveLength(1)
  })

  it('adds pushed entries once, in time order', () => {
    const push = (id: string, at: string) => useTraceStore.getState().handleServerMessage({ type: 'trace_entry', trace_id: 't', entry: { entry_id: id, created_at: at, model: 'm' } })
    push('b', '2026-01-01T00:00:02Z')
    push('a', '2026-01-01T00:00:01Z')
    push('b', '2026-01-01T00:00:02Z')
    expect(useTraceStore.getState().entries.t.map((e) => e.entry_id)).toEqual(['a', 'b'])
  })

  it('replaces a shortened live entry with the whole stored one', async () => {
    const fetchMock = vi.fn(async (_url: string) => new Response(JSON.stringify({
      entry_id: 'big', at: '2026-01-01T00:00:01Z', model: 'm', request: { messages: [{ role: 'user', content: 'x'.repeat(50_000) + 'END' }] },
    }), { status: 200, headers: { 'Content-Type': 'application/json' } }))
    vi.stubGlobal('fetch', fetchMock)
    useTraceStore.getState().handleServerMessage({ type: 'trace.entry', trace_id: 't', entry: {
      entry_id: 'big', at: '2026-01-01T00:00:01Z', model: 'm', truncated: true, request: { messages: [{ role: 'user', content: 'xxxx…' }] } } })
    expect(useTraceStore.getState().entries.t[0].truncated).toBe(true)
    await useTraceStore.getState().loadWhole('t', 'big')
    expect(String(fetchMock.mock.calls[0][0])).toContain('/api/logs/big?trace_id=t')
    const [entry] = useTraceStore.getState().entries.t
    expect(entry.truncated).toBeUndefined()
    expect(JSON.stringify(entry.request)).toContain('END')
  })

  it('ignores messages that are not trace entries', () => {
    useTraceStore.getState().handleServerMessage({ type: 'pong' })
    expect(useTraceStore.getState().entries).toEqual({})
  })
})

describe('chat store', () => {
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })

  it('streams chunks into the pending answer and finishes with the final message', async () => {
    useChatStore.setState({ agentId: 'a', activeSessionId: 's1' })
    const payload = await useChatStore.getState().beginSend('hello', [])
    expect(payload).toEqual({ action: 'invoke', session_id: 's1', message: 'hello', attachments: [], request_id: expect.any(String) })
    const { handleServerMessage } = useChatStore.getState()
    handleServerMessage({ type: 'chunk', session_id: 's1', delta: 'Hi ' })
    handleServerMessage({ type: 'chunk', session_id: 's1', delta: 'there' })
    expect(useChatStore.getState().messages.at(-1)).toMatchObject({ content: 'Hi there', pending: true })
    handleServerMessage({ type: 'chunk', session_id: 'other', delta: 'IGNORED' })
    handleServerMessage({ type: 'message', session_id: 's1', message: { message_id: 'm2', role: 'assistant', content: 'Hi there!' } })
    const last = useChatStore.getState().messages.at(-1)
    expect(last).toMatchObject({ message_id: 'm2', content: 'Hi there!', pending: false })
    expect(useChatStore.getState().streaming).toBe(false)
  })

  it('shows an error on the pending answer, worded by its code', async () => {
    useChatStore.setState({ agentId: 'a', activeSessionId: 's1' })
    await useChatStore.getState().beginSend('hello', [])
    useChatStore.getState().handleServerMessage({ type: 'error', session_id: 's1', error: { code: 'upstream_error', message: 'agent down' } })
    expect(useChatStore.getState().messages.at(-1)).toMatchObject({ pending: false, error: en.errorCodes.upstream_error })
    expect(useChatStore.getState().streaming).toBe(false)
  })

  it('creates a session on first send when none is open', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ session_id: 'new1', agent_id: 'a', title: '' })))
    useChatStore.setState({ agentId: 'a' })
    const payload = await useChatStore.getState().beginSend('first question', [])
    expect(payload.session_id).toBe('new1')
    expect(useChatStore.getState().sessions[0]).toMatchObject({ session_id: 'new1', title: 'first question' })
  })

  it('keeps a chat started while the session list was still loading', async () => {
    let releaseList: (r: Response) => void = () => {}
    vi.stubGlobal('fetch', vi.fn((url: string, init?: RequestInit) => {
      if (init?.method === 'POST') return Promise.resolve(json({ session_id: 's-new', agent_id: 'a', title: '' }))
      if (url.includes('/messages')) return Promise.resolve(json({ items: [] }))
      return new Promise<Response>((resolve) => { releaseList = resolve })  // the list answers late
    }))
    const opening = useChatStore.getState().openAgent('a')
    const payload = await useChatStore.getState().beginSend('how do otters sleep', [])
    releaseList(json({ items: [{ session_id: 's-new', title: '' }, { session_id: 's-old', title: 'old' }] }))
    await opening
    const state = useChatStore.getState()
    expect(payload.session_id).toBe('s-new')
    expect(state.activeSessionId).toBe('s-new')
    expect(state.messages.map((m) => m.content)).toEqual(['how do otters sleep', ''])  // the question and its pending answer
    expect(state.sessions.map((x) => x.session_id)).toEqual(['s-new', 's-old'])
  })

  it('resumes the most recent session when an agent opens', async () => {
    vi.stubGlobal('fetch', vi.fn(async (url: string) =>
      url.includes('/sessions/s-new/messages')
        ? json({ items: [{ message_id: 'm1', role: 'user', content: 'earlier' }] })
        : json({ items: [{ session_id: 's-new', title: 'new' }, { session_id: 's-old', title: 'old' }] }),
    ))
    await useChatStore.getState().openAgent('a')
    expect(useChatStore.getState().activeSessionId).toBe('s-new')
    expect(useChatStore.getState().messages.map((m) => m.content)).toEqual(['earlier'])
  })
})
