import { beforeEach, describe, expect, it } from 'vitest'
import { useChatStore } from './chat'
import type { ChatMessage } from '../api/types'

const msg = (id: string, role: string, content: string): ChatMessage => ({ message_id: id, role, content, attachments: [], created_at: '2026-01-01T00:00:00Z' })

beforeEach(() => {
  useChatStore.getState().reset()
  useChatStore.setState({ agentId: 'a', activeSessionId: 's', messages: [msg('m1', 'user', 'one'), msg('m2', 'assistant', 'echo one'), msg('m3', 'user', 'tpyo'), msg('m4', 'assistant', 'echo tpyo')] })
})

describe('chat controls', () => {
  it('Stop names the running invoke, and the stopped answer keeps what streamed', async () => {
    const chat = useChatStore.getState()
    expect(chat.beginStop()).toBeNull() // nothing runs
    const invoke = await chat.beginSend('long story', [])
    expect(typeof invoke.request_id).toBe('string')
    const cancel = useChatStore.getState().beginStop()
    expect(cancel).toEqual({ action: 'cancel', session_id: 's', request_id: invoke.request_id })
    expect(useChatStore.getState().stopping).toBe(true)
    chat.handleServerMessage({ type: 'chunk', session_id: 's', delta: 'Once upon' })
    chat.handleServerMessage({ type: 'message', session_id: 's', message: { message_id: 'm6', role: 'assistant', content: 'Once upon', status: 'stopped', attachments: [] } })
    const state = useChatStore.getState()
    expect(state.streaming).toBe(false)
    expect(state.stopping).toBe(false)
    const last = state.messages[state.messages.length - 1]
    expect([last.content, last.stopped, last.error]).toEqual(['Once upon', true, undefined])
  })

  it('a refused Stop does not end or fail the answer', async () => {
    const chat = useChatStore.getState()
    await chat.beginSend('q', [])
    useChatStore.getState().beginStop()
    chat.handleServerMessage({ type: 'error', action: 'cancel', session_id: 's', error: { code: 'not_found', message: 'x' } })
    const state = useChatStore.getState()
    expect(state.streaming).toBe(true)
    expect(state.stopping).toBe(false)
    expect(state.messages[state.messages.length - 1].error).toBeUndefined()
  })

  it('edit and resend replaces the last question and its answer', async () => {
    const chat = useChatStore.getState()
    const invoke = await chat.beginSend('typo', [], 'm3')
    expect(invoke.replaces).toBe('m3')
    expect(useChatStore.getState().messages.map((m) => m.content)).toEqual(['one', 'echo one', 'typo', ''])
    chat.handleServerMessage({ type: 'run_started', session_id: 's', replaced: ['m3', 'm4'], message: { message_id: 'm5', role: 'user', content: 'typo', attachments: [] } })
    chat.handleServerMessage({ type: 'message', session_id: 's', message: { message_id: 'm6', role: 'assistant', content: 'echo typo', attachments: [] } })
    expect(useChatStore.getState().messages.map((m) => m.message_id)).toEqual(['m1', 'm2', 'm5', 'm6'])
  })

  it('a refused edit puts the replaced question and answer back', async () => {
    const chat = useChatStore.getState()
    await chat.beginSend('typo', [], 'm3')
    chat.handleServerMessage({ type: 'error', session_id: 's', error: { code: 'not_last_message', message: 'x' }, message: null })
    const state = useChatStore.getState()
    expect(state.messages.map((m) => m.message_id)).toEqual(['m1', 'm2', 'm3', 'm4'])
    expect(state.streaming).toBe(false)
  })

  it('a question not yet saved is not replaced on the server', async () => {
    const invoke = await useChatStore.getState().beginSend('x', [], 'user-local-1')
    expect(invoke.replaces).toBeUndefined()
  })
})
