/**
 * The open chat: sessions of one agent, the messages of the active session, and the streamed answer.
 * Sending goes over the WebSocket (`invoke`); the server streams `chunk`s and ends with a `message`.
 */
import { errorMessage, streamErrorMessage } from '../lib/errors'
import { create } from 'zustand'
import { sessionsApi } from '../api/endpoints'
import { toMessage } from '../api/normalize'
import type { Attachment, ChatMessage, ChatSession } from '../api/types'
import type { ServerMessage } from '../api/socket'

interface ChatState {
  agentId: string | null
  sessions: ChatSession[]
  sessionsLoading: boolean
  sessionsError: string | null
  activeSessionId: string | null
  messages: ChatMessage[]
  messagesLoading: boolean
  messagesError: string | null
  streaming: boolean
  /** The running invoke's request id (what Stop names) and whether Stop was pressed for it. */
  runRequestId: string | null
  stopping: boolean
  /** What an edit or regenerate took out of the chat, put back if the server refuses the new question. */
  replacedMessages: ChatMessage[]
  openAgent(agentId: string, preferredSessionId?: string | null): Promise<void>
  selectSession(sessionId: string): Promise<void>
  newSession(): Promise<ChatSession>
  deleteSession(sessionId: string): Promise<void>
  /**
   * Adds the user's message and a pending answer; returns the `invoke` payload for the socket. `replaces`: the
   * last question's id (edit and resend, regenerate, retry) — it and its answer leave the chat, here and on the
   * server, where the new question takes their place.
   */
  beginSend(text: string, attachments: Attachment[], replaces?: string): Promise<Record<string, unknown>>
  /** The `cancel` payload that stops the running answer (null when nothing runs); marks it stopping. */
  beginStop(): Record<string, unknown> | null
  handleServerMessage(msg: ServerMessage): void
  reset(): void
}

let localSeq = 0
const localId = (p: string) => `${p}-local-${Date.now()}-${++localSeq}`

function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0] ?? ''
  return line.length > 48 ? `${line.slice(0, 47)}…` : line
}

const initial = {
  agentId: null,
  sessions: [],
  sessionsLoading: false,
  sessionsError: null,
  activeSessionId: null,
  messages: [],
  messagesLoading: false,
  messagesError: null,
  streaming: false,
  runRequestId: null,
  stopping: false,
  replacedMessages: [] as ChatMessage[],
}

export const useChatStore = create<ChatState>((set, get) => ({
  ...initial,

  async openAgent(agentId, preferredSessionId) {
    set({ ...initial, agentId, sessionsLoading: true })
    try {
      const sessions = await sessionsApi.list(agentId)
      if (get().agentId !== agentId) return
      if (get().activeSessionId) {
        // The user started a chat while the list was loading: keep it open (switching would drop the message
        // being answered) and add the older sessions after it.
        set((s) => ({
          sessions: [...s.sessions, ...sessions.filter((x) => !s.sessions.some((y) => y.session_id === x.session_id))],
          sessionsLoading: false,
        }))
        return
      }
      set({ sessions, sessionsLoading: false })
      // Development mode resumes the most recent conversation (REQ 6); a link may name a session.
      const pick = sessions.find((s) => s.session_id === preferredSessionId) ?? sessions[0]
      if (pick) await get().selectSession(pick.session_id)
    } catch (e) {
      set({ sessionsLoading: false, sessionsError: errorMessage(e) })
    }
  },

  async selectSession(sessionId) {
    set({ activeSessionId: sessionId, messages: [], messagesLoading: true, messagesError: null, streaming: false })
    try {
      const messages = await sessionsApi.messages(sessionId)
      if (get().activeSessionId === sessionId) set({ messages, messagesLoading: false })
    } catch (e) {
      if (get().activeSessionId === sessionId) set({ messagesLoading: false, messagesError: errorMessage(e) })
    }
  },

  async newSession() {
    const agentId = get().agentId
    if (!agentId) throw new Error('no agent open')
    const session = await sessionsApi.create(agentId)
    set((s) => ({
      sessions: [session, ...s.sessions.filter((x) => x.session_id !== session.session_id)],
      activeSessionId: session.session_id,
      messages: [],
      messagesError: null,
      streaming: false,
    }))
    return session
  },

  async deleteSession(sessionId) {
    await sessionsApi.remove(sessionId)
    const wasActive = get().activeSessionId === sessionId
    set((s) => ({ sessions: s.sessions.filter((x) => x.session_id !== sessionId) }))
    if (wasActive) {
      const next = get().sessions[0]
      if (next) await get().selectSession(next.session_id)
      else set({ activeSessionId: null, messages: [] })
    }
  },

  async beginSend(text, attachments, replaces) {
    let sessionId = get().activeSessionId
    if (!sessionId) sessionId = (await get().newSession()).session_id
    const user: ChatMessage = { message_id: localId('user'), role: 'user', content: text, attachments, created_at: new Date().toISOString() }
    const pending: ChatMessage = { message_id: localId('assistant'), role: 'assistant', content: '', attachments: [], pending: true }
    const requestId = localId('run')
    // Only a saved question can be replaced (a local id is not known to the server yet).
    const replacing = replaces && !replaces.includes('-local-') ? replaces : undefined
    set((s) => {
      const from = replacing ? s.messages.findIndex((m) => m.message_id === replacing) : -1
      const kept = from >= 0 ? s.messages.slice(0, from) : s.messages
      return {
        messages: [...kept, user, pending],
        streaming: true,
        runRequestId: requestId,
        stopping: false,
        replacedMessages: from >= 0 ? s.messages.slice(from) : [],
        sessions: s.sessions.map((x) => (x.session_id === sessionId && !x.title ? { ...x, title: titleFrom(text) } : x)),
      }
    })
    return {
      action: 'invoke',
      session_id: sessionId,
      message: text,
      attachments: attachments.map((a) => a.file_id),
      request_id: requestId,
      ...(replacing ? { replaces: replacing } : {}),
    }
  },

  beginStop() {
    const { activeSessionId, runRequestId, streaming } = get()
    if (!streaming || !activeSessionId) return null
    set({ stopping: true })
    return { action: 'cancel', session_id: activeSessionId, ...(runRequestId ? { request_id: runRequestId } : {}) }
  },

  handleServerMessage(msg) {
    const sessionId = typeof msg.session_id === 'string' ? msg.session_id : null
    if (sessionId && sessionId !== get().activeSessionId) return
    const updatePending = (fn: (m: ChatMessage) => ChatMessage) =>
      set((s) => {
        const idx = s.messages.map((m) => m.pending).lastIndexOf(true)
        if (idx < 0) return s
        const messages = s.messages.slice()
        messages[idx] = fn(messages[idx])
        return { messages }
      })

    switch (msg.type) {
      case 'run_started': {
        // The server saved the user's message: adopt its id and attachments in place of our optimistic copy.
        const saved = msg.message ? toMessage(msg.message) : null
        if (!saved) break
        const replaced = Array.isArray(msg.replaced) ? msg.replaced.map(String) : []
        set((s) => {
          // An edit or regenerate: the server deleted what this question replaces; it is gone for good.
          const messages = s.messages.filter((m) => !replaced.includes(m.message_id))
          const idx = messages.findIndex((m) => m.role === 'user' && m.message_id.includes('-local-'))
          if (idx >= 0) messages[idx] = { ...messages[idx], message_id: saved.message_id, attachments: saved.attachments.length ? saved.attachments : messages[idx].attachments }
          return { messages, replacedMessages: [] }
        })
        break
      }
      case 'chunk':
      case 'delta':
      case 'message_delta': {
        const delta = String(msg.delta ?? msg.content ?? msg.text ?? '')
        updatePending((m) => ({ ...m, content: m.content + delta }))
        break
      }
      case 'message':
      case 'message_complete':
      case 'done': {
        const raw = (msg.message ?? null) as unknown
        if (raw) {
          const final = toMessage(raw)
          if (final.role === 'user') {
            // The server's copy of the user's message: adopt its id, keep our optimistic one's place.
            set((s) => {
              const idx = s.messages.findIndex((m) => m.role === 'user' && m.message_id.includes('-local-') && m.content === final.content)
              if (idx < 0) return s
              const messages = s.messages.slice()
              messages[idx] = { ...messages[idx], message_id: final.message_id, attachments: final.attachments.length ? final.attachments : messages[idx].attachments }
              return { messages }
            })
            break
          }
          updatePending((m) => ({ ...final, content: final.content || m.content, pending: false, created_at: final.created_at ?? new Date().toISOString() }))
        } else {
          updatePending((m) => ({ ...m, pending: false, created_at: new Date().toISOString() }))
        }
        const streaming = get().messages.some((m) => m.pending)
        set({ streaming, ...(streaming ? {} : { runRequestId: null, stopping: false, replacedMessages: [] }) })
        break
      }
      case 'stopping':
        if (get().streaming) set({ stopping: true })
        break
      case 'error': {
        const text = streamErrorMessage(msg.error as { code?: string; message?: string } | undefined)
        if (msg.action === 'cancel') {
          // The Stop was refused (the run may have just ended): the answer keeps streaming as it was.
          set({ stopping: false })
          break
        }
        if (!get().streaming) break
        if (!msg.message && get().replacedMessages.length) {
          // Refused before anything was saved: the question it was to replace is still there.
          set((s) => {
            const messages = s.messages.filter((m) => !m.pending && !m.message_id.includes('-local-'))
            return { messages: [...messages, ...s.replacedMessages], streaming: false, runRequestId: null, stopping: false, replacedMessages: [] }
          })
          break
        }
        // The failed run is saved as an assistant message too; keep its id so a reload shows the same thing.
        const saved = msg.message && typeof msg.message === 'object' ? toMessage(msg.message) : null
        updatePending((m) => ({ ...m, ...(saved ? { message_id: saved.message_id, content: saved.content || m.content } : {}), pending: false, error: text, created_at: saved?.created_at ?? new Date().toISOString() }))
        set({ streaming: false, runRequestId: null, stopping: false, replacedMessages: [] })
        break
      }
      default:
        break
    }
  },

  reset() {
    set({ ...initial })
  },
}))
